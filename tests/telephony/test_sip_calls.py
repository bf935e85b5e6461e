"""Who hears whom in a SIP call, from its state alone."""

from __future__ import annotations

from ringback.telephony.sim.calls import Consultation, ConsultationAction
from ringback.telephony.sip.calls import LegRole, SipCall, SipLeg, mix
from ringback.telephony.switch import CallState


def talking_call() -> SipCall:
    call = SipCall(
        call_id="c1",
        place="place:1001",
        destination="+12125550100",
        caller_id=None,
        ring_seconds=30,
    )
    call.agent = SipLeg(number=1, role=LegRole.AGENT, address="place:1001", answered=True)
    call.customer = SipLeg(number=2, role=LegRole.CUSTOMER, address="+12125550100", answered=True)
    call.legs = {1: call.agent, 2: call.customer}
    call.state = CallState.CONNECTED
    return call


def links(call: SipCall) -> set[frozenset[int]]:
    return {frozenset(pair) for pair in mix(call).links}


def test_agent_and_customer_hear_each_other() -> None:
    call = talking_call()

    assert links(call) == {frozenset({1, 2})}
    assert mix(call).music == []


def test_nobody_hears_a_customer_still_ringing() -> None:
    call = talking_call()
    assert call.customer is not None
    call.customer.answered = False

    assert mix(call).links == []


def test_a_held_customer_hears_music_and_nobody_else() -> None:
    call = talking_call()
    call.customer_held = True

    assert mix(call).links == []
    assert mix(call).music == [2]


def test_a_consulted_target_talks_with_the_agent_alone() -> None:
    call = talking_call()
    call.customer_held = True
    consultation = Consultation(consultation_id="k1", target="place:2001")
    target = SipLeg(number=3, role=LegRole.CONSULTED, address="place:2001", answered=True)
    target.consultation = consultation
    call.legs[3] = target
    consultation.apply("c1", ConsultationAction.ACCEPT)

    assert links(call) == {frozenset({1, 3})}
    assert mix(call).music == [2]

    consultation.apply("c1", ConsultationAction.CANCEL)
    target.hanging_up = True
    call.customer_held = False
    assert links(call) == {frozenset({1, 2})}


def test_a_conference_mixes_everyone_and_a_ringing_target_is_not_heard() -> None:
    call = talking_call()
    call.legs[3] = SipLeg(number=3, role=LegRole.TARGET, address="place:2001", answered=True)
    call.legs[4] = SipLeg(number=4, role=LegRole.PASSING, address="place:2002")

    assert links(call) == {frozenset({1, 2}), frozenset({1, 3}), frozenset({2, 3})}


def test_after_a_transfer_away_the_customer_talks_with_the_target() -> None:
    call = talking_call()
    assert call.agent is not None
    call.agent.hanging_up = True
    call.legs[3] = SipLeg(number=3, role=LegRole.TARGET, address="+442079460000", answered=True)

    assert links(call) == {frozenset({2, 3})}


def test_the_agent_hears_the_customer_or_a_consulted_target_ring() -> None:
    call = talking_call()
    assert call.customer is not None
    call.customer.answered = False
    assert mix(call).ringing == []  # dialled, not ringing yet

    call.customer.rang = True
    assert mix(call).ringing == [(1, 2)]

    call.customer.answered = True
    call.customer_held = True
    consulted = SipLeg(number=3, role=LegRole.CONSULTED, address="place:2001", rang=True)
    consulted.consultation = Consultation(consultation_id="k1", target="place:2001")
    call.legs[3] = consulted
    assert mix(call).ringing == [(1, 3)]
    consulted.hanging_up = True
    assert mix(call).ringing == []
