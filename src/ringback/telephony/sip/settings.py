"""The SIP driver's settings: where it listens, and how Ringback's addresses become SIP URIs.

As a TOML ``[sip]`` section (docs/sip.md has every setting)::

    [sip]
    local_address = "10.0.0.5"
    sip_port = 5080
    rtp_port_start = 20000
    rtp_port_count = 2000
    trunk = "10.0.0.1:5060"            # customers: sip:+12125550142@10.0.0.1:5060
    registrar = "10.0.0.2:5060"        # agents' places: sip:1001@10.0.0.2:5060
    queue_uri = "sip:queue-{name}@10.0.0.2:5060"
    caller_id = "+18005550100"
    ring_timeout_seconds = 30

    [sip.places]
    "2001" = "sip:reception@10.0.0.9"  # one place outside the rule
"""

from __future__ import annotations

import re
from enum import StrEnum
from fnmatch import fnmatchcase
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ringback.telephony.sim.calls import is_e164

# Codecs pjsua2 is allowed to offer, by the names PJSIP gives them, most preferred first.
KNOWN_CODECS = ("PCMU/8000", "PCMA/8000", "G722/16000", "GSM/8000")
# The legs one call may have at once (agent, customer, two targets): the PJSIP build in use
# holds at most four calls in one process, so each call has a media worker process of its own.
LEGS_PER_CALL = 4
# RTP and RTCP for each leg.
RTP_PORTS_PER_CALL = 2 * LEGS_PER_CALL
_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _check_template(name: str, template: str, placeholder: str) -> None:
    if not template.startswith("sip:"):
        raise ValueError(f"{name} must be a sip: URI, got {template!r}")
    found = set(_PLACEHOLDER.findall(template))
    allowed = {placeholder, "trunk", "registrar"}
    if placeholder not in found:
        raise ValueError(f"{name} must contain {{{placeholder}}}, got {template!r}")
    if found - allowed:
        unknown = ", ".join(sorted(f"{{{p}}}" for p in found - allowed))
        raise ValueError(f"{name} has unknown placeholders {unknown}")


class RingbackTone(StrEnum):
    """What the agent hears while the customer's phone rings, by the custom of the country."""

    NORTH_AMERICA = "north_america"  # 440 + 480 Hz, 2 s on, 4 s off
    EUROPE = "europe"  # 425 Hz, 1 s on, 4 s off
    UNITED_KINGDOM = "united_kingdom"  # 400 + 450 Hz, twice 0.4 s, then 2 s off
    NONE = "none"  # silence


class NumberRoute(BaseModel):
    """Numbers matching ``pattern`` (a glob: ``+44*``) are dialled at ``uri`` ({number}...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(min_length=1, pattern=r"^[+0-9*?\[\]!-]+$")
    uri: str

    @model_validator(mode="after")
    def _template(self) -> Self:
        _check_template(f"routes {self.pattern!r} uri", self.uri, "number")
        return self

    def matches(self, number: str) -> bool:
        return fnmatchcase(number, self.pattern)


class SipSettings(BaseModel):
    """How the SIP driver reaches agents' phones and customers (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Every SIP and RTP socket is bound to this address, and it is the one put in SIP headers
    # and SDP: an IP address, so that nothing depends on DNS.
    local_address: IPv4Address = IPv4Address("127.0.0.1")
    # Each call in progress has a media worker with SIP port sip_port + n (n < max_calls) and
    # RTP ports in its share of the RTP range. sip_port 0: each worker takes any free port.
    sip_port: int = Field(default=5080, ge=0, le=65535)
    rtp_port_start: int = Field(default=20000, ge=1024, le=65534)
    rtp_port_count: int = Field(default=2000, ge=RTP_PORTS_PER_CALL, le=60000)
    max_calls: int = Field(default=50, ge=1, le=5000)
    # Workers kept started and idle, so that a call does not wait for one to start.
    spare_workers: int = Field(default=2, ge=0, le=100)
    # The user part of the driver's own SIP address (From of the agents' legs).
    user: str = Field(default="ringback", pattern=r"^[A-Za-z0-9._\-+]+$")

    # Customers are dialled through the trunk (host[:port]), agents' places registered at the
    # registrar (host[:port]); the URI rules below may name either.
    trunk: str = "127.0.0.1:5060"
    registrar: str = "127.0.0.1:5060"
    number_uri: str = "sip:{number}@{trunk}"
    place_uri: str = "sip:{extension}@{registrar}"
    # Transfers to queues and routing points need a rule; without one they are refused.
    queue_uri: str | None = None
    routing_point_uri: str | None = None
    # Places that do not follow place_uri, by extension.
    places: dict[str, str] = Field(default_factory=dict)
    # Numbers dialled another way than number_uri (another trunk), first matching rule first.
    routes: list[NumberRoute] = Field(default_factory=list)

    # Digest credentials, answered to a 401 or 407 of the trunk or the registrar (of the
    # realm given, or of any realm with "*"); without them, challenges end the call.
    auth_username: str | None = Field(default=None, min_length=1)
    auth_password: SecretStr | None = None
    auth_realm: str = Field(default="*", min_length=1)
    # The number customers see (From of the customers' legs); None: the driver's own address.
    caller_id: str | None = None
    # A customer who has not answered after this long is given up on (no_answer); the same for
    # an agent's phone that does not answer (network_error) and for a transfer target (declined).
    ring_timeout_seconds: float = Field(default=30.0, gt=0, le=600, allow_inf_nan=False)
    agent_ring_timeout_seconds: float = Field(default=15.0, gt=0, le=600, allow_inf_nan=False)
    # A trunk or proxy that has not answered an INVITE at all (not even 100 Trying) after this
    # long is taken to be down: network_error, rather than waiting out the ring timeout.
    setup_timeout_seconds: float = Field(default=5.0, gt=0, le=60, allow_inf_nan=False)
    codecs: list[str] = Field(default_factory=lambda: ["PCMU/8000", "PCMA/8000"], min_length=1)
    ringback_tone: RingbackTone = RingbackTone.NORTH_AMERICA
    # A WAV file (16-bit PCM, mono) held customers hear; None: the packaged hold music.
    hold_music: Path | None = None
    # PJSIP's own log verbosity (0 nothing .. 6 every packet); its lines go to the log.
    pjsip_log_level: int = Field(default=2, ge=0, le=6)

    @field_validator("trunk", "registrar")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        if _HOST_PORT.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not host[:port] (e.g. 10.0.0.1:5060)")
        return value

    @field_validator("caller_id")
    @classmethod
    def _caller_id_is_e164(cls, value: str | None) -> str | None:
        if value is not None and not is_e164(value):
            raise ValueError(f"{value!r} is not an E.164 number such as +18005550100")
        return value

    @field_validator("codecs")
    @classmethod
    def _known_codecs(cls, value: list[str]) -> list[str]:
        unknown = [codec for codec in value if codec not in KNOWN_CODECS]
        if unknown:
            raise ValueError(f"unknown codecs {unknown}: choose from {list(KNOWN_CODECS)}")
        if len(set(value)) != len(value):
            raise ValueError(f"codecs {value} name one twice")
        return value

    @field_validator("places")
    @classmethod
    def _place_uris(cls, value: dict[str, str]) -> dict[str, str]:
        for extension, uri in value.items():
            if not uri.startswith("sip:") or any(c.isspace() for c in uri):
                raise ValueError(f"places.{extension}: {uri!r} is not a SIP URI")
        return value

    @model_validator(mode="after")
    def _templates(self) -> Self:
        _check_template("number_uri", self.number_uri, "number")
        _check_template("place_uri", self.place_uri, "extension")
        if self.queue_uri is not None:
            _check_template("queue_uri", self.queue_uri, "name")
        if self.routing_point_uri is not None:
            _check_template("routing_point_uri", self.routing_point_uri, "name")
        if self.rtp_port_start + self.rtp_port_count > 65536:
            raise ValueError(f"RTP ports {self.rtp_port_start}+{self.rtp_port_count} go past 65535")
        if self.rtp_port_count < self.max_calls * RTP_PORTS_PER_CALL:
            raise ValueError(
                f"rtp_port_count {self.rtp_port_count} is too small for max_calls "
                f"{self.max_calls}: each call needs {RTP_PORTS_PER_CALL} RTP ports"
            )
        if (self.auth_username is None) != (self.auth_password is None):
            raise ValueError("auth_username and auth_password go together")
        if self.sip_port and self.sip_port + self.max_calls > 65536:
            raise ValueError(f"SIP ports {self.sip_port}+{self.max_calls} go past 65535")
        return self

    def for_worker(self) -> dict[str, Any]:
        """These settings as JSON for a media worker, the password readable (it answers
        challenges with it); never to be logged."""
        data = self.model_dump(mode="json")
        if self.auth_password is not None:
            data["auth_password"] = self.auth_password.get_secret_value()
        return data

    def worker_sip_port(self, slot: int) -> int:
        """The SIP port of the media worker in ``slot`` (0: any free port)."""
        return self.sip_port + slot if self.sip_port else 0

    def worker_rtp_ports(self, slot: int) -> tuple[int, int]:
        """The first RTP port of the worker in ``slot`` and how many it may use."""
        share = self.rtp_port_count // self.max_calls
        return self.rtp_port_start + slot * share, share
