"""The best time to call within the time a customer allows, from past answer rates (pure).

Answer rates are kept per local weekday and hour of the service's zone. A service's rate for
an hour is shrunk toward its rate over all hours, and a number's rate for an hour toward the
service's rate for that hour (additive smoothing, i.e. the mean of a Beta posterior whose
prior is worth ``SERVICE_PRIOR_CALLS`` or ``NUMBER_PRIOR_CALLS`` calls): an hour with few calls
says little, and a number with three calls in its history says less still.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ringback.scheduling.hours import Interval, OfficeHours, OpenPeriod
from ringback.scheduling.window import customer_hours

SERVICE_PRIOR_CALLS = 10.0
NUMBER_PRIOR_CALLS = 5.0
QUARTER = timedelta(minutes=15)

Cell = tuple[int, int]  # (weekday, hour): 0 is Monday, hours of the service's local day


@dataclass(frozen=True)
class Tally:
    """Dials and how many of them the customer answered."""

    attempts: int = 0
    answered: int = 0


@dataclass(frozen=True)
class AnswerHistory:
    """Dials by local weekday and hour, in the service's zone."""

    cells: Mapping[Cell, Tally] = field(default_factory=dict)

    @property
    def attempts(self) -> int:
        return sum(tally.attempts for tally in self.cells.values())

    @property
    def answered(self) -> int:
        return sum(tally.answered for tally in self.cells.values())


@dataclass(frozen=True)
class AnswerModel:
    """The expected answer rate of a number at any instant, from its service's and its own
    history."""

    zone: ZoneInfo
    service: AnswerHistory
    number: AnswerHistory = field(default_factory=AnswerHistory)

    def cell(self, at: datetime) -> Cell:
        local = at.astimezone(self.zone)
        return local.weekday(), local.hour

    def rate(self, at: datetime) -> float:
        """The expected chance that the number answers a call at ``at``."""
        return self.cell_rate(self.cell(at))

    def cell_rate(self, cell: Cell) -> float:
        overall = (self.service.answered + 1) / (self.service.attempts + 2)
        here = self.service.cells.get(cell, Tally())
        service = (here.answered + SERVICE_PRIOR_CALLS * overall) / (
            here.attempts + SERVICE_PRIOR_CALLS
        )
        own = self.number.cells.get(cell, Tally())
        return (own.answered + NUMBER_PRIOR_CALLS * service) / (own.attempts + NUMBER_PRIOR_CALLS)


@dataclass(frozen=True)
class BestTime:
    """The chosen due time and the model's rates for it and for the time first planned."""

    at: datetime
    rate: float
    planned: datetime
    planned_rate: float

    @property
    def moved(self) -> bool:
        return self.at != self.planned


def callable_spans(
    *,
    start: datetime,
    end: datetime,
    service_hours: OfficeHours,
    window: OpenPeriod,
    customer_zone: str | None,
) -> Iterator[Interval]:
    """The parts of ``[start, end]`` when the service is open and, when the customer's zone is
    known, the customer's calling window is too; in order."""
    last = end + timedelta(microseconds=1)  # the window's end is a time the customer allows
    spans = [_clip(i, start, last) for i in service_hours.intervals(start, last)]
    if customer_zone is not None:
        customer = list(customer_hours(window, ZoneInfo(customer_zone)).intervals(start, last))
        spans = [
            Interval(max(s.start, c.start), min(s.end, c.end))
            for s in spans
            for c in customer
            if max(s.start, c.start) < min(s.end, c.end)
        ]
    yield from sorted((s for s in spans if s.start < s.end), key=lambda s: s.start)


def _clip(interval: Interval, start: datetime, end: datetime) -> Interval:
    return Interval(max(interval.start, start), min(interval.end, end))


def candidates(spans: Iterator[Interval], zone: ZoneInfo) -> Iterator[datetime]:
    """The first instant of each span and of each local hour inside it: the earliest time of
    every (span, hour) pair, which is all a rate by hour can tell apart."""
    for span in spans:
        yield span.start
        # Every zone in use is a whole number of quarter hours from UTC, so each local hour
        # starts on a UTC quarter hour, also across a change of the clocks.
        seconds = int(span.start.timestamp())
        step = int(QUARTER.total_seconds())
        at = datetime.fromtimestamp(seconds - seconds % step, UTC) + QUARTER
        while at < span.end:
            if at.astimezone(zone).minute == 0:
                yield at
            at += QUARTER


def best_time(
    *,
    planned: datetime,
    latest: datetime,
    service_hours: OfficeHours,
    window: OpenPeriod,
    customer_zone: str | None,
    model: AnswerModel,
) -> BestTime:
    """The time in ``[planned, latest]`` with the best expected answer rate, when the service
    is open and the customer may be called; ties go to the earliest, and ``planned`` stays
    unless another time is strictly better."""
    planned_rate = model.rate(planned)
    chosen, chosen_rate = planned, planned_rate
    spans = callable_spans(
        start=planned,
        end=latest,
        service_hours=service_hours,
        window=window,
        customer_zone=customer_zone,
    )
    for at in candidates(spans, model.zone):
        rate = model.rate(at)
        if rate > chosen_rate:  # candidates come in order: a tie keeps the earlier
            chosen, chosen_rate = at, rate
    return BestTime(chosen.astimezone(UTC), chosen_rate, planned, planned_rate)
