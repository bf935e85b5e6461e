"""The simulated switch's script: which rule applies to an address, defaults, and refusals."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomli_w
from pydantic import ValidationError

from ringback.telephony.sim import (
    DEFAULT_NUMBER,
    DEFAULT_TARGET,
    DEMO_SCRIPT,
    CustomerResponse,
    NumberBehaviour,
    SimulatorScript,
    TargetBehaviour,
    TargetResponse,
)
from ringback.telephony.switch import DialResult

C, T = CustomerResponse, TargetResponse


def script(text: str) -> SimulatorScript:
    """A script written as the ``[simulated_switch]`` section of a configuration file."""
    return SimulatorScript.model_validate(tomllib.loads(text)["simulated_switch"])


def refusal(document: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        SimulatorScript.model_validate(document)
    return str(caught.value)


# -- matching ---------------------------------------------------------------------------------


def test_the_first_matching_rule_wins() -> None:
    found = script(
        """
        [[simulated_switch.numbers]]
        pattern = "+1212555010?"
        behaviour = "busy"
        [[simulated_switch.numbers]]
        pattern = "+1212*"
        behaviour = "answering_machine"
        ring_seconds = 6
        [[simulated_switch.numbers]]
        pattern = "+12125550100"
        behaviour = "fax"
        """
    )

    assert found.number_behaviour("+12125550100").behaviour is C.BUSY
    assert found.number_behaviour("+12125550110").behaviour is C.ANSWERING_MACHINE
    assert found.number_behaviour("+12125550110").ring_seconds == 6


def test_patterns_are_globs_on_the_whole_address() -> None:
    rules = SimulatorScript(
        numbers=[
            NumberBehaviour(pattern="*01[5-6]?", behaviour=C.BUSY),
            NumberBehaviour(pattern="+44*", behaviour=C.NO_ANSWER),
        ],
        targets=[TargetBehaviour(pattern="queue:*", behaviour=T.DECLINE)],
    )

    assert rules.number_behaviour("+13125550155").behaviour is C.BUSY
    assert rules.number_behaviour("+13125550175") is DEFAULT_NUMBER
    assert rules.number_behaviour("+442079460000").behaviour is C.NO_ANSWER
    # Anchored at both ends: "+44" in the middle of a number is not a match.
    assert rules.number_behaviour("+1440555") is DEFAULT_NUMBER
    assert rules.target_behaviour("queue:cards").behaviour is T.DECLINE
    # Case matters: addresses are written in lower case.
    assert rules.target_behaviour("Queue:cards") is DEFAULT_TARGET
    assert rules.target_behaviour("place:1001") is DEFAULT_TARGET


def test_unmatched_customers_answer_after_two_seconds_and_targets_accept_after_one() -> None:
    empty = SimulatorScript()

    customer = empty.number_behaviour("+12125550142")
    target = empty.target_behaviour("place:1001")

    assert (customer.behaviour, customer.ring_seconds) == (C.ANSWER, 2.0)
    assert customer.hangup_after_seconds is None
    assert (target.behaviour, target.ring_seconds) == (T.ACCEPT, 1.0)
    assert target.end_after_seconds is None


def test_a_final_catch_all_replaces_the_default() -> None:
    found = script(
        """
        [[simulated_switch.numbers]]
        pattern = "*"
        behaviour = "no_answer"
        ring_seconds = 25
        [[simulated_switch.targets]]
        pattern = "*"
        behaviour = "decline"
        """
    )

    assert found.number_behaviour("+33612345678").behaviour is C.NO_ANSWER
    assert found.target_behaviour("routing-point:sales").behaviour is T.DECLINE


def test_rule_defaults_for_ring_times() -> None:
    assert NumberBehaviour(pattern="*", behaviour=C.BUSY).ring_seconds == 2.0
    assert TargetBehaviour(pattern="*", behaviour=T.ACCEPT).ring_seconds == 1.0


@pytest.mark.parametrize(
    ("response", "result", "rings"),
    [
        (C.ANSWER, DialResult.ANSWERED, True),
        (C.NO_ANSWER, DialResult.NO_ANSWER, True),
        (C.BUSY, DialResult.BUSY, False),
        (C.ANSWERING_MACHINE, DialResult.ANSWERING_MACHINE, True),
        (C.FAX, DialResult.FAX, True),
        (C.INVALID_NUMBER, DialResult.INVALID_NUMBER, False),
        (C.NETWORK_ERROR, DialResult.NETWORK_ERROR, False),
    ],
)
def test_each_response_has_its_outbound_result(
    response: CustomerResponse, result: DialResult, rings: bool
) -> None:
    assert response.result is result
    assert response.rings is rings


# -- refusals ---------------------------------------------------------------------------------


def test_an_unknown_behaviour_is_refused_with_the_choices() -> None:
    message = refusal({"numbers": [{"pattern": "*", "behaviour": "engaged"}]})

    assert "numbers.0.behaviour" in message
    assert "'answer'" in message
    assert "'answering_machine'" in message


def test_unknown_fields_are_refused() -> None:
    message = refusal({"numbers": [{"pattern": "*", "behaviour": "busy", "ring_secs": 3}]})
    assert "numbers.0.ring_secs" in message
    assert "Extra inputs are not permitted" in message

    assert "voicemail" in refusal({"voicemail": []})


@pytest.mark.parametrize("seconds", [-1, "nan", "inf"])
def test_ring_seconds_must_be_a_finite_duration(seconds: object) -> None:
    message = refusal(
        {"targets": [{"pattern": "*", "behaviour": "accept", "ring_seconds": seconds}]}
    )

    assert "targets.0.ring_seconds" in message


def test_a_zero_ring_time_is_allowed_but_not_a_zero_hang_up_time() -> None:
    assert NumberBehaviour(pattern="*", behaviour=C.BUSY, ring_seconds=0).ring_seconds == 0
    message = refusal(
        {"numbers": [{"pattern": "*", "behaviour": "answer", "hangup_after_seconds": 0}]}
    )
    assert "numbers.0.hangup_after_seconds" in message


def test_only_a_customer_who_answers_can_hang_up() -> None:
    message = refusal(
        {"numbers": [{"pattern": "*", "behaviour": "busy", "hangup_after_seconds": 30}]}
    )

    assert 'hangup_after_seconds needs behaviour = "answer"' in message


def test_only_a_target_who_accepts_can_end() -> None:
    message = refusal(
        {"targets": [{"pattern": "*", "behaviour": "decline", "end_after_seconds": 30}]}
    )

    assert 'end_after_seconds needs behaviour = "accept"' in message


@pytest.mark.parametrize("pattern", ["+1 212 555*", "(212) 555-01*", "tel:+1212*", ""])
def test_a_number_pattern_that_can_never_match_is_refused(pattern: str) -> None:
    message = refusal({"numbers": [{"pattern": pattern, "behaviour": "busy"}]})

    assert "numbers.0.pattern" in message


def test_a_number_pattern_refusal_says_what_is_wrong() -> None:
    message = refusal({"numbers": [{"pattern": "+1 212*", "behaviour": "busy"}]})

    assert "can never match an E.164 number" in message
    assert "' '" in message


def test_a_target_pattern_with_spaces_is_refused() -> None:
    message = refusal({"targets": [{"pattern": "queue: cards", "behaviour": "accept"}]})

    assert "contains spaces" in message


def test_a_repeated_pattern_is_refused() -> None:
    message = refusal(
        {
            "numbers": [
                {"pattern": "+1212*", "behaviour": "busy"},
                {"pattern": "+1212*", "behaviour": "fax"},
            ]
        }
    )

    assert "numbers[1] repeats pattern '+1212*' of numbers[0]" in message


def test_rules_after_a_catch_all_are_refused() -> None:
    message = refusal(
        {
            "targets": [
                {"pattern": "*", "behaviour": "accept"},
                {"pattern": "queue:*", "behaviour": "decline"},
            ]
        }
    )

    assert "targets[1] (pattern 'queue:*') can never apply" in message


def test_a_script_is_frozen() -> None:
    rule = NumberBehaviour(pattern="*", behaviour=C.BUSY)

    with pytest.raises(ValidationError, match="frozen"):
        rule.ring_seconds = 5  # type: ignore[misc]


def test_a_script_survives_export_as_toml() -> None:
    original = SimulatorScript(
        numbers=[
            NumberBehaviour(
                pattern="*0190", behaviour=C.ANSWER, ring_seconds=3, hangup_after_seconds=45
            )
        ],
        targets=[TargetBehaviour(pattern="+44*", behaviour=T.DECLINE, ring_seconds=0.5)],
    )
    text = tomli_w.dumps(
        {"simulated_switch": original.model_dump(mode="python", exclude_defaults=True)}
    )

    assert script(text) == original


# -- the demo ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "response"),
    [
        ("+12125550042", C.ANSWER),
        ("+12125550142", C.ANSWER),  # the demo's customers
        ("+13125550100", C.ANSWER),
        ("+13125550123", C.ANSWER),
        ("+16465550177", C.ANSWERING_MACHINE),
        ("+17735550188", C.NO_ANSWER),
        ("+13125550160", C.BUSY),
        ("+13125550191", C.ANSWER),
        ("+13125550196", C.FAX),
        ("+13125550198", C.INVALID_NUMBER),
        ("+13125550199", C.NETWORK_ERROR),
        ("+33612345678", C.ANSWER),
    ],
)
def test_demo_numbers(number: str, response: CustomerResponse) -> None:
    assert SimulatorScript.demo().number_behaviour(number).behaviour is response


def test_demo_shows_every_outcome_and_a_customer_who_hangs_up() -> None:
    demo = SimulatorScript.demo()

    assert demo is DEMO_SCRIPT
    assert {rule.behaviour for rule in demo.numbers} == set(CustomerResponse)
    assert demo.number_behaviour("+13125550191").hangup_after_seconds == 45
    assert demo.number_behaviour("+12125550142").hangup_after_seconds is None


def test_demo_targets() -> None:
    demo = SimulatorScript.demo()

    assert demo.target_behaviour("place:1002").behaviour is T.ACCEPT
    assert demo.target_behaviour("queue:cards").ring_seconds == 5
    assert demo.target_behaviour("+442079460000").behaviour is T.DECLINE
    assert demo.target_behaviour("+13125550100").behaviour is T.ACCEPT
    assert demo.target_behaviour("routing-point:sales").ring_seconds == 3
