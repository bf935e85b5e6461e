"""The SIP driver's settings, and how they turn Ringback's addresses into SIP URIs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ringback.telephony.sip import NumberRoute, SipSettings
from ringback.telephony.sip.addresses import dial_result, number_uri, target_uri
from ringback.telephony.switch import DialResult, SwitchError


def test_addresses_follow_the_rules() -> None:
    settings = SipSettings(
        trunk="10.0.0.1:5060",
        registrar="10.0.0.2",
        queue_uri="sip:queue-{name}@{registrar}",
        places={"2001": "sip:reception@10.0.0.9:5070"},
        routes=[NumberRoute(pattern="+44*", uri="sip:{number}@10.0.0.3:5060")],
    )

    assert number_uri(settings, "+12125550142") == "sip:+12125550142@10.0.0.1:5060"
    assert number_uri(settings, "+442079460000") == "sip:+442079460000@10.0.0.3:5060"
    assert target_uri(settings, "place:1001") == "sip:1001@10.0.0.2"
    assert target_uri(settings, "place:2001") == "sip:reception@10.0.0.9:5070"
    assert target_uri(settings, "queue:cards") == "sip:queue-cards@10.0.0.2"
    assert target_uri(settings, "+12125550142") == "sip:+12125550142@10.0.0.1:5060"


def test_a_target_without_a_rule_is_refused() -> None:
    with pytest.raises(SwitchError) as caught:
        target_uri(SipSettings(), "routing-point:sales")
    assert caught.value.code == "invalid-address"
    assert "routing_point_uri" in caught.value.detail


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (200, DialResult.ANSWERED),
        (486, DialResult.BUSY),
        (600, DialResult.BUSY),
        (603, DialResult.BUSY),
        (408, DialResult.NO_ANSWER),
        (480, DialResult.NO_ANSWER),
        (404, DialResult.INVALID_NUMBER),
        (484, DialResult.INVALID_NUMBER),
        (604, DialResult.INVALID_NUMBER),
        (403, DialResult.NETWORK_ERROR),
        (488, DialResult.NETWORK_ERROR),
        (500, DialResult.NETWORK_ERROR),
        (503, DialResult.NETWORK_ERROR),
        (0, DialResult.NETWORK_ERROR),  # never reached the network
    ],
)
def test_final_responses_are_outbound_results(status: int, result: DialResult) -> None:
    assert dial_result(status) is result


def test_each_worker_has_its_ports() -> None:
    settings = SipSettings(sip_port=5080, rtp_port_start=20000, rtp_port_count=800, max_calls=10)

    assert [settings.worker_sip_port(slot) for slot in (0, 9)] == [5080, 5089]
    assert settings.worker_rtp_ports(0) == (20000, 80)
    assert settings.worker_rtp_ports(9) == (20720, 80)
    assert SipSettings(sip_port=0).worker_sip_port(3) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number_uri": "sip:{trunk}"}, "must contain {number}"),
        ({"place_uri": "tel:{extension}"}, "must be a sip: URI"),
        ({"queue_uri": "sip:{name}@{host}"}, "unknown placeholders {host}"),
        ({"trunk": "sip:10.0.0.1"}, "is not host[:port]"),
        ({"caller_id": "18005550100"}, "is not an E.164 number"),
        ({"codecs": ["PCMU/8000", "G729/8000"]}, "unknown codecs"),
        ({"codecs": []}, "at least 1"),
        ({"max_calls": 300, "rtp_port_count": 2000}, "too small for max_calls"),
        ({"rtp_port_start": 65000, "rtp_port_count": 1000}, "go past 65535"),
        ({"places": {"2001": "reception@10.0.0.9"}}, "is not a SIP URI"),
        ({"routes": [{"pattern": "+44 *", "uri": "sip:{number}@10.0.0.3"}]}, "pattern"),
        ({"local_address": "localhost"}, "IPv4"),
        ({"auth_username": "acme"}, "go together"),
    ],
)
def test_settings_that_cannot_work_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("{", r"\{")):
        SipSettings.model_validate(changes)


def test_the_password_is_shown_to_media_workers_alone() -> None:
    settings = SipSettings.model_validate(
        {"auth_username": "acme", "auth_password": "s3cret-trunk"}
    )

    assert "s3cret-trunk" not in repr(settings)
    assert "s3cret-trunk" not in settings.model_dump_json()
    assert settings.for_worker()["auth_password"] == "s3cret-trunk"
    assert SipSettings.model_validate(settings.for_worker()) == settings
