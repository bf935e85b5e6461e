"""The configuration document, validated in full before anything is applied."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from ringback.callbacks.states import CallbackType
from ringback.responses.rendering import template_problems
from ringback.scheduling.hours import WEEKDAYS, OfficeHours, OpenPeriod, check_periods
from ringback.scheduling.zones import check_zone
from ringback.telephony.sim.calls import is_e164
from ringback.telephony.sim.script import SimulatorScript
from ringback.telephony.sip.settings import SipSettings
from ringback.webhooks.config import WebhookConfig, check_webhooks

Name = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$", strip_whitespace=True)
]


class DuplicatePolicy(StrEnum):
    """What a new request does when its number already has the maximum of active callbacks."""

    REJECT = "reject"  # refuse it with duplicate-callback
    RETURN_EXISTING = "return-existing"  # answer with the newest active callback instead
    REPLACE = "replace"  # cancel the oldest active callback and accept the new one


class InboundFirstPolicy(StrEnum):
    """What a service does with a number's active callbacks when the customer calls in first."""

    COMPLETE = "complete"  # once an agent answers, callbacks not yet with one are completed
    KEEP = "keep"  # they stay; their history records the call
    MERGE = "merge"  # they stay, with the call's data copied into theirs


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QueueConfig(Strict):
    name: Name
    description: str = ""
    skills: list[str] = Field(default_factory=list)


class PreviewConfig(Strict):
    enabled: bool = False
    fields: list[str] = Field(default_factory=lambda: ["name", "phone", "desired_time"])


def _periods(texts: list[str]) -> tuple[OpenPeriod, ...]:
    return check_periods(tuple(OpenPeriod.parse(text) for text in texts))


class ExceptionConfig(Strict):
    """A dated exception: closed all day, or open only during ``hours``."""

    date: date
    name: str = ""
    closed: bool = False
    hours: list[str] = Field(default_factory=list)

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: list[str]) -> list[str]:
        _periods(value)
        return value

    @model_validator(mode="after")
    def _closed_or_hours(self) -> Self:
        if self.closed == bool(self.hours):
            raise ValueError("an exception is either closed = true or has hours, not both")
        return self


class OfficeHoursConfig(Strict):
    monday: list[str] = Field(default_factory=list)
    tuesday: list[str] = Field(default_factory=list)
    wednesday: list[str] = Field(default_factory=list)
    thursday: list[str] = Field(default_factory=list)
    friday: list[str] = Field(default_factory=list)
    saturday: list[str] = Field(default_factory=list)
    sunday: list[str] = Field(default_factory=list)
    exceptions: list[ExceptionConfig] = Field(default_factory=list)

    @field_validator(*WEEKDAYS)
    @classmethod
    def _valid_periods(cls, value: list[str]) -> list[str]:
        _periods(value)
        return value

    @field_validator("exceptions")
    @classmethod
    def _one_exception_per_date(cls, value: list[ExceptionConfig]) -> list[ExceptionConfig]:
        seen: set[date] = set()
        for exception in value:
            if exception.date in seen:
                raise ValueError(f"{exception.date} has more than one exception")
            seen.add(exception.date)
        return value


class RetryDelays(Strict):
    """Seconds to wait before the next attempt, per outcome of the previous one."""

    no_answer: int = Field(default=900, ge=0)
    busy: int = Field(default=300, ge=0)
    answering_machine: int = Field(default=1800, ge=0)
    fax: int = Field(default=3600, ge=0)
    network_error: int = Field(default=120, ge=0)


class ThresholdsConfig(Strict):
    """When the supervisor page shows a service's queue in warning, then in breach; 0 turns a
    limit off."""

    oldest_wait_warning_seconds: int = Field(default=300, ge=0)
    oldest_wait_breach_seconds: int = Field(default=900, ge=0)
    # A callback not yet tried is late once it still waits this long after its desired time.
    late_after_seconds: int = Field(default=300, ge=0)
    late_warning: int = Field(default=1, ge=0, description="Late callbacks for a warning.")
    late_breach: int = Field(default=5, ge=0, description="Late callbacks for a breach.")

    @model_validator(mode="after")
    def _warning_before_breach(self) -> Self:
        for measure in ("oldest_wait", "late"):
            unit = "_seconds" if measure == "oldest_wait" else ""
            warning = getattr(self, f"{measure}_warning{unit}")
            breach = getattr(self, f"{measure}_breach{unit}")
            if warning and breach and warning > breach:
                raise ValueError(
                    f"{measure}_warning{unit} ({warning}) is above "
                    f"{measure}_breach{unit} ({breach})"
                )
        return self


class ServiceConfig(Strict):
    name: Name
    display_name: str = ""
    description: str = ""
    # Other names the compatibility surfaces (docs/migrating.md) know the service by: a
    # Genesys Cloud queueId, a GMS service name.
    aliases: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list
    )
    queue: Name
    time_zone: str
    default_region: str = "US"
    types: list[CallbackType] = Field(default_factory=lambda: list(CallbackType), min_length=1)
    office_hours: OfficeHoursConfig
    slot_minutes: int = Field(default=15, ge=5, le=240)
    slot_capacity: int = Field(default=5, ge=1, le=10_000)
    booking_horizon_days: int = Field(default=14, ge=1, le=366)
    min_lead_minutes: int = Field(default=5, ge=0)
    delay_minutes: int = Field(default=30, ge=0)
    preview: PreviewConfig = Field(default_factory=PreviewConfig)
    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_delays: RetryDelays = Field(default_factory=RetryDelays)
    priority: int = Field(default=50, ge=0, le=100)
    duplicate_policy: DuplicatePolicy = DuplicatePolicy.REJECT
    max_active_per_number: int = Field(default=1, ge=1, le=100)
    # When the IVR or the ACD says the number called in (POST /api/v1/inbound-calls).
    inbound_first: InboundFirstPolicy = InboundFirstPolicy.COMPLETE
    disposition_required: bool = False
    dispositions: list[str] = Field(default_factory=list)
    average_handle_seconds: int = Field(default=300, ge=1)
    # Routing and the agent side.
    channel: Literal["voice", "webcallback"] = "voice"
    priority_aging_per_minute: float = Field(default=1.0, ge=0)
    offer_timeout_seconds: int = Field(default=30, ge=5, le=600)
    reject_cooldown_seconds: int = Field(default=300, ge=0)
    timeout_sets_not_ready: bool = True
    after_call_work_seconds: int = Field(default=30, ge=0, le=3600)
    after_call_work_then: Literal["ready", "not_ready"] = "ready"
    calling_window: str = "08:00-21:00"
    personal_callback_fallback_minutes: int = Field(default=15, ge=0)
    # A callback still waiting (scheduled or queued) this long after its desired time ends
    # expired; none: it waits as long as it takes.
    expire_after_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    # E-mails to the customer of a callback that gave an address (docs/customers.md): a
    # scheduled callback's confirmation with a calendar invitation, its updates, a reminder
    # reminder_before_minutes before the time (0: none), and, with expiry_email, word that a
    # callback expired. Off until the service turns them on.
    customer_emails: bool = False
    reminder_before_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    expiry_email: bool = False
    # The call itself: what the customer sees, and how long their phone may ring.
    caller_id: str | None = None
    ring_seconds: int | None = Field(default=None, ge=5, le=600)
    # What the supervisor page watches on the service's queue.
    thresholds: ThresholdsConfig = Field(default_factory=ThresholdsConfig)
    # Best time to call (docs/reports.md): a delayed callback may be called up to
    # best_time_window_minutes after its planned time, at the hour its number is most likely
    # to answer, once the service has best_time_min_calls dials in its last eight weeks.
    best_time_to_call: bool = False
    best_time_window_minutes: int = Field(default=240, ge=15, le=7 * 24 * 60)
    best_time_min_calls: int = Field(default=100, ge=1)

    @field_validator("caller_id")
    @classmethod
    def _caller_id_is_e164(cls, value: str | None) -> str | None:
        if value is not None and not is_e164(value):
            raise ValueError(f"{value!r} is not an E.164 number such as +18005550100")
        return value

    @field_validator("calling_window")
    @classmethod
    def _valid_window(cls, value: str) -> str:
        OpenPeriod.parse(value)
        return value

    @model_validator(mode="after")
    def _expiry_email_can_be_sent(self) -> Self:
        if self.expiry_email and not self.customer_emails:
            raise ValueError("expiry_email = true needs customer_emails = true")
        if self.expiry_email and self.expire_after_hours is None:
            raise ValueError(
                "expiry_email = true needs expire_after_hours: without it no callback expires"
            )
        return self

    @model_validator(mode="after")
    def _best_time_has_delayed_callbacks(self) -> Self:
        if self.best_time_to_call and CallbackType.DELAYED not in self.types:
            raise ValueError(
                "best_time_to_call = true needs the delayed type: only delayed callbacks are moved"
            )
        return self

    @property
    def names(self) -> list[str]:
        """The service's name, then its aliases."""
        return [self.name, *self.aliases]

    @property
    def customer_window(self) -> OpenPeriod:
        """When customers may be called, in their own local time."""
        return OpenPeriod.parse(self.calling_window)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phone numbers know (e.g. US, FR, GB)")
        return value.upper()

    @field_validator("types")
    @classmethod
    def _distinct_types(cls, value: list[CallbackType]) -> list[CallbackType]:
        if len(set(value)) != len(value):
            raise ValueError("a callback type is listed twice")
        return value

    _hours: OfficeHours = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        weekly = tuple(_periods(getattr(self.office_hours, day)) for day in WEEKDAYS)
        exceptions = {e.date: _periods(e.hours) for e in self.office_hours.exceptions}
        self._hours = OfficeHours(ZoneInfo(self.time_zone), weekly, exceptions)

    @property
    def hours(self) -> OfficeHours:
        """The office hours as the scheduling functions use them."""
        return self._hours

    @property
    def zone(self) -> ZoneInfo:
        return self.hours.zone

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)


class DispositionConfig(Strict):
    code: Name
    label: str
    children: list[DispositionConfig] = Field(default_factory=list)


AgentRole = Literal["agent", "supervisor", "admin"]


def _agent_role() -> list[AgentRole]:
    return ["agent"]


class AgentConfig(Strict):
    """An agent; its password is set with ``ringback agents passwd``, or given as an argon2 hash."""

    login: Name
    name: str
    place: str = Field(pattern=r"^[0-9A-Za-z._-]{1,32}$", description="Phone extension")
    roles: list[AgentRole] = Field(default_factory=_agent_role, min_length=1)
    skills: list[str] = Field(default_factory=list)
    password_hash: str | None = Field(default=None, pattern=r"^\$argon2")


class RoutingPointConfig(Strict):
    name: Name
    description: str = ""


class NotReadyReasonConfig(Strict):
    code: Name
    label: str


class ResponseConfig(Strict):
    """A standard response: a prewritten text agents pick from a categorised library."""

    code: Name
    category: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    text: str = Field(min_length=1, max_length=20_000)
    services: list[Name] = Field(
        default_factory=list, description="Offered only on these services; empty: on all."
    )

    @field_validator("text")
    @classmethod
    def _valid_template(cls, value: str) -> str:
        problems = template_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("services")
    @classmethod
    def _distinct_services(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a service is listed twice")
        return value


class RingbackConfig(Strict):
    """The whole configuration document."""

    queues: list[QueueConfig] = Field(default_factory=list)
    services: list[ServiceConfig] = Field(default_factory=list)
    dispositions: list[DispositionConfig] = Field(default_factory=list)
    not_ready_reasons: list[NotReadyReasonConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)
    routing_points: list[RoutingPointConfig] = Field(default_factory=list)
    simulated_switch: SimulatorScript | None = Field(
        default=None, description="How simulated customers and targets behave (the default switch)."
    )
    responses: list[ResponseConfig] = Field(default_factory=list)
    webhooks: list[WebhookConfig] = Field(
        default_factory=list, description="Endpoints that get callback events (docs/webhooks.md)."
    )
    sip: SipSettings | None = Field(
        default=None,
        description="The SIP driver of `ringback switch --driver sip` (docs/sip.md); read by the "
        "switch service from the file, not stored by `config apply`.",
    )

    @model_validator(mode="after")
    def _references(self) -> Self:
        _unique("agents", [a.login for a in self.agents])
        _unique("agents (place)", [a.place for a in self.agents])
        _unique("routing_points", [r.name for r in self.routing_points])
        _unique("queues", [q.name for q in self.queues])
        _unique("services", [s.name for s in self.services])
        _unique("services (names and aliases)", [n for s in self.services for n in s.names])
        _unique("not_ready_reasons", [r.code for r in self.not_ready_reasons])
        codes = [code for root in self.dispositions for code in _codes(root)]
        _unique("dispositions", codes)
        queues = {q.name for q in self.queues}
        roots = {d.code for d in self.dispositions}
        for index, service in enumerate(self.services):
            if service.queue not in queues:
                raise ValueError(
                    f"services[{index}] ({service.name}).queue: no queue named {service.queue!r}"
                )
            for code in service.dispositions:
                if code not in roots:
                    raise ValueError(
                        f"services[{index}] ({service.name}).dispositions: "
                        f"no top-level disposition code {code!r}"
                    )
        _check_responses(self.responses, {s.name for s in self.services})
        check_webhooks(self.webhooks, {s.name for s in self.services})
        return self


def _check_responses(responses: list[ResponseConfig], services: set[str]) -> None:
    _unique("responses", [r.code for r in responses])
    for index, response in enumerate(responses):
        for name in response.services:
            if name not in services:
                raise ValueError(
                    f"responses[{index}] ({response.code}).services: no service named {name!r}"
                )


def _codes(node: DispositionConfig) -> list[str]:
    return [node.code, *(code for child in node.children for code in _codes(child))]


def _unique(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what}: {name!r} is defined twice")
        seen.add(name)
