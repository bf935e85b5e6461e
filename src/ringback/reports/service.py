"""The reports' use cases: check what is asked, read the counts, put them in the buckets."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.callbacks.service import Caller
from ringback.callbacks.states import CallbackState, Channel
from ringback.config import repository as config_repository
from ringback.errors import RingbackError, invalid
from ringback.reports import answer_rates, repository
from ringback.reports.buckets import Bucket, BucketSize, Locator, buckets, count_buckets
from ringback.reports.repository import QUARTER_SECONDS, Scope
from ringback.scheduling.zones import check_zone
from ringback.telephony.switch import DialResult

MAX_SPAN = timedelta(days=400)
MAX_BUCKETS = 5000
YEARS = range(1970, 9000)
FAILURE_REASONS = (*(str(r) for r in DialResult if r is not DialResult.ANSWERED), "none")
S = CallbackState


@dataclass(frozen=True)
class ReportRequest:
    """What a report is asked for, as the transport parsed it."""

    start: datetime
    end: datetime
    bucket: BucketSize = BucketSize.DAY
    service: str | None = None
    queue: str | None = None
    agent: str | None = None
    channel: Channel | None = None
    time_zone: str | None = None
    on_time_minutes: int = 15


@dataclass(frozen=True)
class Resolved:
    """The request checked: the rows to read, the zone of the buckets, the buckets."""

    scope: Scope
    zone: ZoneInfo
    spans: list[Bucket]


async def resolve(
    session: AsyncSession, *, request: ReportRequest, caller: Caller, bucketed: bool = True
) -> Resolved:
    """Check the range and the filters (422 naming the field); find the zone and buckets."""
    for name, value in (("from", request.start), ("to", request.end)):
        if value.tzinfo is None:
            raise invalid("time-without-zone", f"{name} needs a UTC offset", field=name)
        # Far from today a zone's arithmetic runs off the calendar; no history is there anyway.
        if value.year not in YEARS:
            raise invalid(
                "invalid-range", f"{name} must be between the years 1970 and 9000", field=name
            )
    if request.end <= request.start:
        raise invalid("invalid-range", "to must be later than from", field="to")
    if request.end - request.start > MAX_SPAN:
        raise invalid("invalid-range", f"at most {MAX_SPAN.days} days per report", field="to")
    if bucketed and count_buckets(request.start, request.end, request.bucket) > MAX_BUCKETS:
        raise invalid(
            "too-many-buckets",
            f"more than {MAX_BUCKETS} buckets of {request.bucket}: ask for larger buckets",
            field="bucket",
        )
    services = [s for s in await config_repository.active_services(session)]
    if request.service is not None:
        chosen = [s for s in services if s.name == request.service]
        if not chosen:
            raise invalid(
                "unknown-service", f"there is no service named {request.service!r}", field="service"
            )
        if not caller.may_use(request.service):
            raise RingbackError(
                "service-forbidden",
                f"this API key may not use service {request.service!r}",
                status=403,
                field="service",
            )
        services = chosen
    elif caller.services is not None:
        services = [s for s in services if caller.may_use(s.name)]
    queue_id = None
    if request.queue is not None:
        queues = {q.name: q.id for q in await config_repository.all_queues(session)}
        if request.queue not in queues:
            raise invalid(
                "unknown-queue", f"there is no queue named {request.queue!r}", field="queue"
            )
        queue_id = queues[request.queue]
    agent_id = None
    if request.agent is not None:
        agent = await agent_repository.by_login(session, request.agent)
        if agent is None:
            raise invalid("unknown-agent", f"there is no agent {request.agent!r}", field="agent")
        agent_id = agent.id
    zone = _zone(request.time_zone, [s.config.time_zone for s in services])
    # A key for every service (and a supervisor) also sees services retired since.
    all_services = request.service is None and caller.services is None
    scope = Scope(
        start=request.start.astimezone(UTC),
        end=request.end.astimezone(UTC),
        service_ids=None if all_services else frozenset(s.id for s in services),
        queue_id=queue_id,
        channel=request.channel,
        agent_id=agent_id,
        agent_login=request.agent,
    )
    spans = buckets(scope.start, scope.end, request.bucket, zone) if bucketed else []
    return Resolved(scope, zone, spans)


def _zone(asked: str | None, service_zones: Sequence[str]) -> ZoneInfo:
    """The zone asked for; else the services' own when they share one; else UTC."""
    if asked is not None:
        try:
            return ZoneInfo(check_zone(asked))
        except ValueError as refused:
            raise invalid("unknown-time-zone", str(refused), field="time_zone") from None
    zones = set(service_zones)
    return ZoneInfo(zones.pop()) if len(zones) == 1 else ZoneInfo("UTC")


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest rank: the smallest value at least ``q`` % of the values are at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Spread:
    count: int
    p50: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), percentile(values, 50), percentile(values, 90))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _quarter_start(scope: Scope, quarter: int) -> float:
    """Seconds since 1970 of a quarter's start, or of the range's when the range began later."""
    return max(scope.first_quarter + quarter * QUARTER_SECONDS, scope.start.timestamp())


# ---------------------------------------------------------------- callbacks


@dataclass
class CallbackFigures:
    """One bucket's (or the whole range's) figures of the callbacks report."""

    start: datetime
    end: datetime
    requests_by_channel: Counter[str] = field(default_factory=Counter)
    requests_by_type: Counter[str] = field(default_factory=Counter)
    completed: int = 0
    failed_by_reason: Counter[str] = field(default_factory=Counter)
    cancelled_by: Counter[str] = field(default_factory=Counter)
    expired: int = 0
    still_waiting: int | None = None
    completed_attempts: int = 0
    finished_dialled: int = 0
    finished_reached: int = 0
    to_first_dial: list[float] = field(default_factory=list)
    to_connect: list[float] = field(default_factory=list)
    promise_to_first_dial: list[float] = field(default_factory=list)
    scheduled_dialled: int = 0
    scheduled_on_time: int = 0

    @property
    def requests(self) -> int:
        return sum(self.requests_by_channel.values())

    @property
    def failed(self) -> int:
        return sum(self.failed_by_reason.values())

    @property
    def cancelled(self) -> int:
        return sum(self.cancelled_by.values())

    @property
    def attempts_per_completed(self) -> float | None:
        return round(self.completed_attempts / self.completed, 4) if self.completed else None

    @property
    def right_party_contact_rate(self) -> float | None:
        return _share(self.finished_reached, self.finished_dialled)

    @property
    def scheduled_on_time_share(self) -> float | None:
        return _share(self.scheduled_on_time, self.scheduled_dialled)


@dataclass(frozen=True)
class CallbackReport:
    zone: ZoneInfo
    on_time_minutes: int
    buckets: list[CallbackFigures]
    total: CallbackFigures
    agent_filtered: bool


async def callbacks_report(
    session: AsyncSession, *, request: ReportRequest, caller: Caller, now: datetime
) -> CallbackReport:
    """Requests, outcomes, attempts, contact rate and waits, per bucket of the range."""
    found = await resolve(session, request=request, caller=caller)
    scope, spans = found.scope, found.spans
    locate = Locator(spans)
    rows = [CallbackFigures(b.start, b.end) for b in spans]
    total = CallbackFigures(scope.start, scope.end)

    located: dict[int, list[CallbackFigures]] = {}

    def targets(quarter: int) -> list[CallbackFigures]:
        """The figures a count of this quarter adds to (a month's 20,000 counts fall in at
        most 2,880 quarters: each is located once)."""
        if quarter not in located:
            index = locate.index(_quarter_start(scope, quarter))
            located[quarter] = [total] if index is None else [rows[index], total]
        return located[quarter]

    agent_filtered = scope.agent_id is not None
    if not agent_filtered:
        for count in await repository.request_counts(session, scope):
            for figures in targets(count.quarter):
                figures.requests_by_channel[str(count.channel)] += count.count
                figures.requests_by_type[str(count.type)] += count.count
    for outcome in await repository.outcome_counts(session, scope):
        for figures in targets(outcome.quarter):
            _add_outcome(figures, outcome)
    _add_reaches(
        await repository.first_reaches(session, scope),
        locate,
        rows,
        total,
        on_time=request.on_time_minutes * 60.0,
    )
    if not agent_filtered:
        await _still_waiting(session, scope, rows, total, now)
    return CallbackReport(found.zone, request.on_time_minutes, rows, total, agent_filtered)


def _add_outcome(figures: CallbackFigures, outcome: repository.OutcomeCount) -> None:
    if outcome.state is S.COMPLETED:
        figures.completed += outcome.count
        figures.completed_attempts += outcome.attempts
    elif outcome.state is S.FAILED:
        reason = outcome.last_result if outcome.last_result in FAILURE_REASONS else "none"
        figures.failed_by_reason[reason] += outcome.count
    elif outcome.state is S.CANCELLED:
        figures.cancelled_by[outcome.cancelled_by] += outcome.count
    elif outcome.state is S.EXPIRED:
        figures.expired += outcome.count
    if outcome.state in (S.COMPLETED, S.FAILED):
        figures.finished_dialled += outcome.dialled
        figures.finished_reached += outcome.reached


def _add_reaches(
    reaches: repository.FirstReaches,
    locate: Locator,
    rows: list[CallbackFigures],
    total: CallbackFigures,
    *,
    on_time: float,
) -> None:
    """The waits to each first dial and connect, in their buckets and in the whole range (a
    month has some 90,000: grouped by bucket first, then added a bucket at a time)."""
    dials: defaultdict[int, list[repository.Dial]] = defaultdict(list)
    for dial in reaches.dials:
        if (index := locate.index(dial[0])) is not None:
            dials[index].append(dial)
    connects: defaultdict[int, list[float]] = defaultdict(list)
    for at, waited in reaches.connects:
        if (index := locate.index(at)) is not None:
            connects[index].append(waited)
    for index, some in dials.items():
        _add_dials(rows[index], some, on_time)
    for index, waits in connects.items():
        rows[index].to_connect += waits
    _add_dials(total, reaches.dials, on_time)
    total.to_connect += [waited for _, waited in reaches.connects]


def _add_dials(figures: CallbackFigures, dials: list[repository.Dial], on_time: float) -> None:
    figures.to_first_dial += [waited for _, waited, _, _ in dials]
    due = [(since_due, slotted) for _, _, since_due, slotted in dials if since_due is not None]
    figures.promise_to_first_dial += [since_due for since_due, _ in due]
    slotted = [since_due for since_due, slotted in due if slotted]
    figures.scheduled_dialled += len(slotted)
    figures.scheduled_on_time += sum(since_due <= on_time for since_due in slotted)


async def _still_waiting(
    session: AsyncSession,
    scope: Scope,
    rows: list[CallbackFigures],
    total: CallbackFigures,
    now: datetime,
) -> None:
    """Callbacks not ended at each bucket's end, walked back from those open now: every one
    asked for since then is taken off, every one that ended since then put back."""
    level = await repository.open_now(session, scope)
    if scope.end < now:
        level -= await repository.requested_between(session, scope, scope.end, now)
        level += await repository.ended_between(session, scope, scope.end, now)
    for figures in reversed(rows):
        if figures.end <= now:
            figures.still_waiting = level
        ended = figures.completed + figures.failed + figures.cancelled + figures.expired
        level += ended - figures.requests
    total.still_waiting = rows[-1].still_waiting if rows else None


# ---------------------------------------------------------------- handling


@dataclass
class HandlingFigures:
    """An agent's handling in one bucket (or the whole range)."""

    start: datetime
    end: datetime
    agent: str
    handle: list[float] = field(default_factory=list)
    hold: list[float] = field(default_factory=list)  # per interaction handled
    after_call_work: list[float] = field(default_factory=list)  # per stretch


@dataclass(frozen=True)
class HandlingReport:
    zone: ZoneInfo
    rows: list[HandlingFigures]  # per bucket and agent, only where something happened
    totals: list[HandlingFigures]  # per agent over the whole range


async def handling_report(
    session: AsyncSession, *, request: ReportRequest, caller: Caller, now: datetime
) -> HandlingReport:
    """Handle time, hold time and after-call work, per agent and bucket."""
    found = await resolve(session, request=request, caller=caller)
    scope, spans = found.scope, found.spans
    locate = Locator(spans)
    logins = await repository.agent_logins(session)
    # Each item's seconds by (bucket or None, agent), then one figure per cell and per agent.
    handle: defaultdict[tuple[int | None, int], list[float]] = defaultdict(list)
    hold: defaultdict[tuple[int | None, int], list[float]] = defaultdict(list)
    wrap_up: defaultdict[tuple[int | None, int], list[float]] = defaultdict(list)
    for item in await repository.handled(session, scope):
        key = (locate.index(item.ended_at), item.agent_id)
        handle[key].append(item.handle_seconds)
        hold[key].append(item.hold_seconds)
    for stretch in await repository.after_call_work(session, scope):
        seconds = stretch.seconds
        if seconds is None:  # still in After Call Work
            seconds = round(now.timestamp() - stretch.start, 6)
        wrap_up[locate.index(stretch.start), stretch.agent_id].append(max(0.0, seconds))
    cells: list[HandlingFigures] = []
    totals: dict[int, HandlingFigures] = {}
    for index, agent_id in handle.keys() | wrap_up.keys():
        login = logins.get(agent_id, str(agent_id))
        if agent_id not in totals:
            totals[agent_id] = HandlingFigures(scope.start, scope.end, login)
        adds_to = [totals[agent_id]]
        if index is not None:
            cells.append(HandlingFigures(spans[index].start, spans[index].end, login))
            adds_to.append(cells[-1])
        for figures in adds_to:
            figures.handle += handle.get((index, agent_id), [])
            figures.hold += hold.get((index, agent_id), [])
            figures.after_call_work += wrap_up.get((index, agent_id), [])
    cells.sort(key=lambda f: (f.start, f.agent))
    return HandlingReport(found.zone, cells, sorted(totals.values(), key=lambda f: f.agent))


# ---------------------------------------------------------------- dispositions


@dataclass
class DispositionNode:
    code: str
    label: str
    count: int = 0  # interactions closed with this very code
    children: list[DispositionNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        """This code's and every code below it."""
        return self.count + sum(child.total for child in self.children)


@dataclass(frozen=True)
class DispositionReport:
    handled: int
    without_code: int
    tree: list[DispositionNode]


async def dispositions_report(
    session: AsyncSession, *, request: ReportRequest, caller: Caller
) -> tuple[ZoneInfo, DispositionReport]:
    """Interactions closed in the range, per disposition code, as the codes' tree."""
    found = await resolve(session, request=request, caller=caller, bucketed=False)
    counts = await repository.disposition_counts(session, found.scope)
    nodes = {
        row.code: (DispositionNode(row.code, row.label), row.parent_code)
        for row in await repository.disposition_codes(session)
    }
    for code, n in counts.items():
        if code is not None:
            if code not in nodes:  # a code since removed from the configuration
                nodes[code] = (DispositionNode(code, code), None)
            nodes[code][0].count += n
    roots = []
    for node, parent in nodes.values():
        if parent is not None and parent in nodes:
            nodes[parent][0].children.append(node)
        else:
            roots.append(node)
    return found.zone, DispositionReport(sum(counts.values()), counts.get(None, 0), roots)


# ---------------------------------------------------------------- answer rate


@dataclass
class AnswerCell:
    weekday: int  # 0 Monday ... 6 Sunday
    hour: int  # 0-23, local
    attempts: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        return _share(self.answered, self.attempts)


@dataclass(frozen=True)
class AnswerRateReport:
    zone: ZoneInfo
    cells: list[AnswerCell]  # 7 x 24, Monday 00:00 first


async def answer_rate_report(
    session: AsyncSession, *, request: ReportRequest, caller: Caller
) -> AnswerRateReport:
    """Dials and answers by local hour of day and day of week."""
    found = await resolve(session, request=request, caller=caller, bucketed=False)
    counts = await answer_rates.tally(session, found.scope, found.zone)
    cells = [AnswerCell(day, hour) for day in range(7) for hour in range(24)]
    for cell in cells:
        if (found_here := counts.get((cell.weekday, cell.hour))) is not None:
            cell.attempts, cell.answered = found_here.attempts, found_here.answered
    return AnswerRateReport(found.zone, cells)
