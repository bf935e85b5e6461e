"""Ringback's addresses as SIP URIs, and SIP's final responses as outbound results."""

from __future__ import annotations

from ringback.telephony.sim.calls import is_e164
from ringback.telephony.sip.settings import SipSettings
from ringback.telephony.switch import DialResult, SwitchError

# A customer's final response, by SIP status code; codes not listed are network errors.
DIAL_RESULTS: dict[int, DialResult] = {
    200: DialResult.ANSWERED,
    486: DialResult.BUSY,  # Busy Here
    600: DialResult.BUSY,  # Busy Everywhere
    603: DialResult.BUSY,  # Decline: the customer refused the call, they may take it later
    408: DialResult.NO_ANSWER,  # Request Timeout
    480: DialResult.NO_ANSWER,  # Temporarily Unavailable
    487: DialResult.NO_ANSWER,  # Request Terminated (the network gave up ringing)
    404: DialResult.INVALID_NUMBER,  # Not Found
    410: DialResult.INVALID_NUMBER,  # Gone
    484: DialResult.INVALID_NUMBER,  # Address Incomplete
    604: DialResult.INVALID_NUMBER,  # Does Not Exist Anywhere
}


def dial_result(status_code: int) -> DialResult:
    """The outbound result of a customer's leg that ended with ``status_code`` before talking."""
    return DIAL_RESULTS.get(status_code, DialResult.NETWORK_ERROR)


def number_uri(settings: SipSettings, number: str) -> str:
    """The URI that dials an E.164 ``number``: the first route that matches, else the trunk."""
    route = next((route for route in settings.routes if route.matches(number)), None)
    template = settings.number_uri if route is None else route.uri
    return template.format(number=number, trunk=settings.trunk, registrar=settings.registrar)


def target_uri(settings: SipSettings, address: str) -> str:
    """The URI of a place, queue, routing point or E.164 number; refused if there is none."""
    kind, _, name = address.partition(":")
    if is_e164(address):
        return number_uri(settings, address)
    if kind == "place":
        explicit = settings.places.get(name)
        if explicit is not None:
            return explicit
        template: str | None = settings.place_uri
        placeholders = {"extension": name}
    else:
        template = {"queue": settings.queue_uri, "routing-point": settings.routing_point_uri}.get(
            kind
        )
        placeholders = {"name": name}
    if template is None:
        raise SwitchError(
            "invalid-address",
            f"{address!r}: the SIP driver has no rule for {kind} addresses "
            f"(set {kind.replace('-', '_')}_uri)",
        )
    return template.format(trunk=settings.trunk, registrar=settings.registrar, **placeholders)
