"""Shapes of the reports, as JSON and as CSV rows (the same keys, flattened with ``_``)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from ringback.callbacks.states import CallbackType, Channel
from ringback.reports.buckets import BucketSize
from ringback.reports.repository import CANCELLERS
from ringback.reports.service import (
    FAILURE_REASONS,
    AnswerRateReport,
    CallbackFigures,
    CallbackReport,
    DispositionNode,
    DispositionReport,
    HandlingFigures,
    HandlingReport,
    ReportRequest,
    Spread,
)

CHANNELS = tuple(str(c) for c in Channel)
TYPES = tuple(str(t) for t in CallbackType)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReportScopeRead(BaseModel):
    """What the report covers, as asked."""

    start: datetime = Field(alias="from", description="Start of the range, in the report's zone.")
    end: datetime = Field(alias="to", description="End of the range (excluded).")
    time_zone: str = Field(description="The zone buckets, hours and days are counted in.")
    service: str | None = None
    queue: str | None = None
    agent: str | None = None
    channel: Channel | None = None

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


def scope_read(request: ReportRequest, zone: ZoneInfo) -> ReportScopeRead:
    return ReportScopeRead(
        start=request.start.astimezone(zone),
        end=request.end.astimezone(zone),
        time_zone=zone.key,
        service=request.service,
        queue=request.queue,
        agent=request.agent,
        channel=request.channel,
    )


class SpreadRead(BaseModel):
    count: int = Field(description="How many callbacks the percentiles are of.")
    p50_seconds: float | None = Field(description="Median (nearest rank); null with none.")
    p90_seconds: float | None = Field(description="90th percentile (nearest rank).")


def _spread(values: Sequence[float]) -> dict[str, Any]:
    spread = Spread.of(values)
    return {"count": spread.count, "p50_seconds": spread.p50, "p90_seconds": spread.p90}


def _every(keys: Iterable[str], counts: Counter[str]) -> dict[str, int]:
    return {key: counts.get(key, 0) for key in keys}


class RequestsRead(BaseModel):
    total: int
    by_channel: dict[str, int] = Field(description="web, mobile, ivr, agent.")
    by_type: dict[str, int] = Field(description="immediate, delayed, scheduled.")


class FailedRead(BaseModel):
    total: int
    by_reason: dict[str, int] = Field(
        description="The last dial's result (no_answer, busy, ...); `none` when never dialled."
    )


class CancelledRead(BaseModel):
    total: int
    by: dict[str, int] = Field(
        description="customer, integration (an API key), supervisor, agent, system."
    )


class OnTimeRead(BaseModel):
    within_minutes: int
    dialled: int = Field(description="Scheduled callbacks first dialled in the bucket.")
    on_time: int = Field(description="Those first dialled within the minutes of their slot.")
    share: float | None


class CallbackBucketRead(BaseModel):
    start: datetime
    end: datetime
    requests: RequestsRead | None = Field(description="Null when filtered by agent.")
    completed: int
    failed: FailedRead
    cancelled: CancelledRead
    expired: int
    still_waiting: int | None = Field(
        description="Callbacks asked for and not yet ended at the bucket's end; null for an "
        "end still to come, or when filtered by agent."
    )
    attempts_per_completed: float | None
    right_party_contact_rate: float | None
    wait_to_first_dial: SpreadRead
    wait_to_connect: SpreadRead
    due_to_first_dial: SpreadRead
    scheduled_on_time: OnTimeRead


def _callback_bucket(
    figures: CallbackFigures, zone: ZoneInfo, on_time_minutes: int, agent_filtered: bool
) -> dict[str, Any]:
    """A bucket as plain values, checked with the others in one call (in pydantic's core):
    a month by quarter hours is 2,880 buckets of eleven objects each."""
    return {
        "start": figures.start.astimezone(zone),
        "end": figures.end.astimezone(zone),
        "requests": None
        if agent_filtered
        else {
            "total": figures.requests,
            "by_channel": _every(CHANNELS, figures.requests_by_channel),
            "by_type": _every(TYPES, figures.requests_by_type),
        },
        "completed": figures.completed,
        "failed": {
            "total": figures.failed,
            "by_reason": _every(FAILURE_REASONS, figures.failed_by_reason),
        },
        "cancelled": {"total": figures.cancelled, "by": _every(CANCELLERS, figures.cancelled_by)},
        "expired": figures.expired,
        "still_waiting": figures.still_waiting,
        "attempts_per_completed": figures.attempts_per_completed,
        "right_party_contact_rate": figures.right_party_contact_rate,
        "wait_to_first_dial": _spread(figures.to_first_dial),
        "wait_to_connect": _spread(figures.to_connect),
        "due_to_first_dial": _spread(figures.promise_to_first_dial),
        "scheduled_on_time": {
            "within_minutes": on_time_minutes,
            "dialled": figures.scheduled_dialled,
            "on_time": figures.scheduled_on_time,
            "share": figures.scheduled_on_time_share,
        },
    }


class CallbackReportRead(BaseModel):
    scope: ReportScopeRead
    bucket: BucketSize
    buckets: list[CallbackBucketRead]
    total: CallbackBucketRead = Field(description="The whole range as one bucket.")


def callback_report_read(request: ReportRequest, report: CallbackReport) -> CallbackReportRead:
    def one(figures: CallbackFigures) -> dict[str, Any]:
        return _callback_bucket(figures, report.zone, report.on_time_minutes, report.agent_filtered)

    return CallbackReportRead.model_validate(
        {
            "scope": scope_read(request, report.zone),
            "bucket": request.bucket,
            "buckets": [one(f) for f in report.buckets],
            "total": one(report.total),
        }
    )


class SumRead(BaseModel):
    count: int
    total_seconds: float
    mean_seconds: float | None


class HandlingRowRead(BaseModel):
    start: datetime
    end: datetime
    agent: str
    handled: int = Field(description="Interactions the agent marked done.")
    handle_seconds: SumRead
    handle_p50_seconds: float | None
    handle_p90_seconds: float | None
    hold_seconds: SumRead = Field(description="Time on hold, per interaction handled.")
    after_call_work_seconds: SumRead = Field(description="Per stretch of After Call Work.")


def _sum(values: Sequence[float]) -> SumRead:
    total = sum(values)
    return SumRead(
        count=len(values),
        total_seconds=round(total, 3),
        mean_seconds=round(total / len(values), 3) if values else None,
    )


def handling_row_read(figures: HandlingFigures, zone: ZoneInfo) -> HandlingRowRead:
    spread = Spread.of(figures.handle)
    return HandlingRowRead(
        start=figures.start.astimezone(zone),
        end=figures.end.astimezone(zone),
        agent=figures.agent,
        handled=len(figures.handle),
        handle_seconds=_sum(figures.handle),
        handle_p50_seconds=spread.p50,
        handle_p90_seconds=spread.p90,
        hold_seconds=_sum(figures.hold),
        after_call_work_seconds=_sum(figures.after_call_work),
    )


class HandlingReportRead(BaseModel):
    scope: ReportScopeRead
    bucket: BucketSize
    rows: list[HandlingRowRead] = Field(description="Per bucket and agent, where any work was.")
    totals: list[HandlingRowRead] = Field(description="Per agent, the whole range.")


def handling_report_read(request: ReportRequest, report: HandlingReport) -> HandlingReportRead:
    return HandlingReportRead(
        scope=scope_read(request, report.zone),
        bucket=request.bucket,
        rows=[handling_row_read(f, report.zone) for f in report.rows],
        totals=[handling_row_read(f, report.zone) for f in report.totals],
    )


class DispositionNodeRead(BaseModel):
    code: str
    label: str
    count: int = Field(description="Interactions closed with this very code.")
    total: int = Field(description="This code's and every code under it.")
    children: list[DispositionNodeRead]


def disposition_node_read(node: DispositionNode) -> DispositionNodeRead:
    return DispositionNodeRead(
        code=node.code,
        label=node.label,
        count=node.count,
        total=node.total,
        children=[disposition_node_read(c) for c in node.children],
    )


class DispositionReportRead(BaseModel):
    scope: ReportScopeRead
    handled: int = Field(description="Interactions marked done in the range.")
    without_code: int
    tree: list[DispositionNodeRead]


def disposition_report_read(
    request: ReportRequest, zone: ZoneInfo, report: DispositionReport
) -> DispositionReportRead:
    return DispositionReportRead(
        scope=scope_read(request, zone),
        handled=report.handled,
        without_code=report.without_code,
        tree=[disposition_node_read(n) for n in report.tree],
    )


class AnswerCellRead(BaseModel):
    weekday: str
    hour: int = Field(description="Local hour of day, 0-23.")
    attempts: int
    answered: int
    rate: float | None


class AnswerRateReportRead(BaseModel):
    scope: ReportScopeRead
    cells: list[AnswerCellRead] = Field(description="7 x 24: Monday 00:00 first.")


def answer_rate_report_read(
    request: ReportRequest, report: AnswerRateReport
) -> AnswerRateReportRead:
    return AnswerRateReportRead(
        scope=scope_read(request, report.zone),
        cells=[
            AnswerCellRead(
                weekday=WEEKDAYS[c.weekday],
                hour=c.hour,
                attempts=c.attempts,
                answered=c.answered,
                rate=c.rate,
            )
            for c in report.cells
        ],
    )


# ---------------------------------------------------------------- CSV


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"failed": {"total": 1}}`` → ``{"failed_total": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """One header line, then one line per row; null as an empty cell."""
    flat = [flatten(r) for r in rows]
    fields = list(columns) if columns is not None else list(flat[0]) if flat else []
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue()


def callback_csv(report: CallbackReportRead) -> str:
    rows = [{"row": "bucket", **b.model_dump(mode="json")} for b in report.buckets]
    rows.append({"row": "total", **report.total.model_dump(mode="json")})
    for row in rows:
        if row["requests"] is None:  # the same columns, empty, when filtered by agent
            row["requests"] = {
                "total": None,
                "by_channel": dict.fromkeys(map(str, Channel)),
                "by_type": dict.fromkeys(map(str, CallbackType)),
            }
    return csv_text(rows)


def handling_csv(report: HandlingReportRead) -> str:
    rows = [{"row": "bucket", **r.model_dump(mode="json")} for r in report.rows]
    rows += [{"row": "total", **r.model_dump(mode="json")} for r in report.totals]
    return csv_text(rows, columns=_handling_columns())


def _handling_columns() -> list[str]:
    # A spreadsheet gets its columns even when nothing was handled.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    model = HandlingRowRead(
        start=epoch,
        end=epoch,
        agent="",
        handled=0,
        handle_seconds=_sum([]),
        handle_p50_seconds=None,
        handle_p90_seconds=None,
        hold_seconds=_sum([]),
        after_call_work_seconds=_sum([]),
    )
    return list(flatten({"row": "", **model.model_dump(mode="json")}))


def disposition_csv(report: DispositionReportRead) -> str:
    rows: list[dict[str, Any]] = []

    def walk(node: DispositionNodeRead, path: str, depth: int) -> None:
        here = f"{path}/{node.code}" if path else node.code
        rows.append(
            {
                "path": here,
                "code": node.code,
                "label": node.label,
                "depth": depth,
                "count": node.count,
                "total": node.total,
            }
        )
        for child in node.children:
            walk(child, here, depth + 1)

    for root in report.tree:
        walk(root, "", 0)
    rows.append(
        {
            "path": "",
            "code": "",
            "label": "(no code)",
            "depth": 0,
            "count": report.without_code,
            "total": report.without_code,
        }
    )
    return csv_text(rows)


def answer_rate_csv(report: AnswerRateReportRead) -> str:
    return csv_text([c.model_dump(mode="json") for c in report.cells])
