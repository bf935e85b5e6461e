"""Reports API: figures computed from the stored history, as JSON or CSV.

Read by supervisors (a workspace session) and by API keys, each key limited to its services.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

from ringback.apikeys.service import KEY_PREFIX, verify
from ringback.apitypes import OffsetDateTime
from ringback.auth import ApiRequest, bearer, key_request
from ringback.callbacks.service import Caller
from ringback.callbacks.states import Channel
from ringback.reports import service
from ringback.reports.buckets import BucketSize
from ringback.reports.schemas import (
    AnswerRateReportRead,
    CallbackReportRead,
    DispositionReportRead,
    HandlingReportRead,
    answer_rate_csv,
    answer_rate_report_read,
    callback_csv,
    callback_report_read,
    disposition_csv,
    disposition_report_read,
    handling_csv,
    handling_report_read,
)
from ringback.reports.service import ReportRequest
from ringback.runtime import Runtime, RuntimeDep, get_runtime
from ringback.supervisor.service import check_supervisor
from ringback.workspace.auth import current_agent, session_cookie

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
R = TypeVar("R", bound=BaseModel)  # a report as read
CSV = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


async def report_reader(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> AsyncIterator[ApiRequest]:
    """An API key (its services only, within its budget) or a signed-in supervisor."""
    if credentials is not None and credentials.credentials.startswith(f"{KEY_PREFIX}_"):
        secret = credentials.credentials
        async with key_request(runtime, lambda s: verify(s, secret=secret)) as api:
            yield api
        return
    me = await current_agent(request, runtime, credentials, cookie)
    check_supervisor(me.agent)
    async with runtime.db.transaction() as session:
        yield ApiRequest(session, Caller(actor=f"supervisor:{me.agent.login}"))


Reader = Annotated[ApiRequest, Depends(report_reader, scope="function")]


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


From = Annotated[
    OffsetDateTime,
    Query(alias="from", description="Start of the range, ISO 8601 with a UTC offset."),
]
To = Annotated[
    OffsetDateTime,
    Query(alias="to", description="End of the range (excluded), ISO 8601 with a UTC offset."),
]
Bucket = Annotated[
    BucketSize,
    Query(description="`15min`, `hour`, `day` or `week` (weeks begin on Monday), local."),
]
ServiceName = Annotated[str | None, Query(alias="service", max_length=63)]
QueueName = Annotated[str | None, Query(max_length=63)]
AgentLogin = Annotated[str | None, Query(max_length=63, description="An agent's login.")]
ChannelFilter = Annotated[Channel | None, Query(description="web, mobile, ivr or agent.")]
TimeZone = Annotated[
    str | None,
    Query(
        max_length=64,
        description="IANA zone of the buckets. Default: the services' zone when they share "
        "one, else UTC.",
    ),
]
Format = Annotated[
    ReportFormat | None,
    Query(alias="format", description="`csv` for a spreadsheet (or send Accept: text/csv)."),
]


def _wants_csv(request: Request, asked: ReportFormat | None) -> bool:
    if asked is not None:
        return asked is ReportFormat.CSV
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _answer(
    request: Request, query: ReportQuery, read: R, to_csv: Callable[[R], str], name: str
) -> Response:
    """The report as CSV when asked for, else as JSON written once: returned as a model, it
    would be checked and converted twice more on its way out (a month by quarter hours is
    2,880 buckets)."""
    if _wants_csv(request, query.output):
        return Response(
            to_csv(read),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(read.model_dump_json(), media_type="application/json")


@dataclass(frozen=True)
class ReportQuery:
    """The range, filters, time zone and format every report is asked with."""

    start: datetime
    end: datetime
    service: str | None
    queue: str | None
    agent: str | None
    channel: Channel | None
    time_zone: str | None
    output: ReportFormat | None

    def request(
        self, bucket: BucketSize = BucketSize.DAY, on_time_minutes: int = 15
    ) -> ReportRequest:
        return ReportRequest(
            start=self.start,
            end=self.end,
            bucket=bucket,
            service=self.service,
            queue=self.queue,
            agent=self.agent,
            channel=self.channel,
            time_zone=self.time_zone,
            on_time_minutes=on_time_minutes,
        )


def report_query(
    start: From,
    end: To,
    service_name: ServiceName = None,
    queue: QueueName = None,
    agent: AgentLogin = None,
    channel: ChannelFilter = None,
    time_zone: TimeZone = None,
    output: Format = None,
) -> ReportQuery:
    """The query parameters all four reports share (an endpoint's own ones come first)."""
    return ReportQuery(start, end, service_name, queue, agent, channel, time_zone, output)


Filters = Annotated[ReportQuery, Depends(report_query)]


@router.get("/callbacks", response_model=CallbackReportRead, responses=CSV_RESPONSE)
async def callbacks_report(
    request: Request,
    api: Reader,
    runtime: RuntimeDep,
    query: Filters,
    bucket: Bucket = BucketSize.DAY,
    on_time_minutes: Annotated[
        int,
        Query(
            ge=0,
            le=1440,
            description="A scheduled callback is on time when first dialled "
            "within this many minutes of its slot.",
        ),
    ] = 15,
) -> Response:
    """Requests, outcomes, attempts, right-party contact and waits, per bucket."""
    asked = query.request(bucket, on_time_minutes)
    report = await service.callbacks_report(
        api.session, request=asked, caller=api.caller, now=runtime.clock.now()
    )
    return _answer(request, query, callback_report_read(asked, report), callback_csv, "callbacks")


@router.get("/handling", response_model=HandlingReportRead, responses=CSV_RESPONSE)
async def handling_report(
    request: Request,
    api: Reader,
    runtime: RuntimeDep,
    query: Filters,
    bucket: Bucket = BucketSize.DAY,
) -> Response:
    """Handle time, hold time and after-call work, per agent and bucket."""
    asked = query.request(bucket)
    report = await service.handling_report(
        api.session, request=asked, caller=api.caller, now=runtime.clock.now()
    )
    return _answer(request, query, handling_report_read(asked, report), handling_csv, "handling")


@router.get("/dispositions", response_model=DispositionReportRead, responses=CSV_RESPONSE)
async def dispositions_report(request: Request, api: Reader, query: Filters) -> Response:
    """Interactions closed in the range, per disposition code, as the codes' tree."""
    asked = query.request()
    zone, report = await service.dispositions_report(api.session, request=asked, caller=api.caller)
    read = disposition_report_read(asked, zone, report)
    return _answer(request, query, read, disposition_csv, "dispositions")


@router.get("/answer-rate", response_model=AnswerRateReportRead, responses=CSV_RESPONSE)
async def answer_rate_report(request: Request, api: Reader, query: Filters) -> Response:
    """Dials and how many were answered, by local hour of day and day of week."""
    asked = query.request()
    report = await service.answer_rate_report(api.session, request=asked, caller=api.caller)
    read = answer_rate_report_read(asked, report)
    return _answer(request, query, read, answer_rate_csv, "answer-rate")
