"""What an inbound call does to one callback, by the service's policy, the stage and the state."""

from __future__ import annotations

from typing import Any

import pytest

from ringback.callbacks.states import ACTIVE_STATES, TRANSITIONS, CallbackEvent, CallbackState
from ringback.config.schema import InboundFirstPolicy
from ringback.inbound.policy import (
    COMPLETABLE,
    InboundStage,
    Outcome,
    event_for,
    outcome,
    reason,
)

P, S = InboundFirstPolicy, CallbackState
WITH_AGENT = sorted(ACTIVE_STATES - COMPLETABLE)


@pytest.mark.parametrize("state", [S.SCHEDULED, S.QUEUED, S.OFFERED])
def test_complete_ends_a_callback_no_agent_holds_once_an_agent_answers(state: S) -> None:
    assert outcome(P.COMPLETE, InboundStage.ANSWERED, state, has_data=False) is Outcome.COMPLETED
    assert outcome(P.COMPLETE, InboundStage.ANSWERED, state, has_data=True) is Outcome.COMPLETED
    assert TRANSITIONS[state, event_for(Outcome.COMPLETED)] is S.COMPLETED


@pytest.mark.parametrize("state", WITH_AGENT)
def test_a_callback_an_agent_holds_is_never_completed_under_it(state: S) -> None:
    for policy in (P.COMPLETE, P.KEEP):
        assert outcome(policy, InboundStage.ANSWERED, state, has_data=True) is Outcome.KEPT
    assert TRANSITIONS[state, event_for(Outcome.KEPT)] is state


@pytest.mark.parametrize("state", sorted(ACTIVE_STATES))
def test_a_customer_still_queued_may_hang_up_so_nothing_ends_yet(state: S) -> None:
    assert outcome(P.COMPLETE, InboundStage.QUEUED, state, has_data=False) is Outcome.KEPT
    assert outcome(P.KEEP, InboundStage.QUEUED, state, has_data=True) is Outcome.KEPT


@pytest.mark.parametrize("stage", list(InboundStage))
@pytest.mark.parametrize("state", sorted(ACTIVE_STATES))
def test_merge_copies_data_whenever_there_is_some(stage: InboundStage, state: S) -> None:
    assert outcome(P.MERGE, stage, state, has_data=True) is Outcome.MERGED
    assert outcome(P.MERGE, stage, state, has_data=False) is Outcome.KEPT
    assert event_for(Outcome.MERGED) is CallbackEvent.CALLED_IN


def test_the_reason_says_what_the_customer_did_and_what_became_of_the_callback() -> None:
    common: dict[str, Any] = {"agent": "Maya (4410)", "reference": "acd-77", "merged_keys": []}
    assert (
        reason(Outcome.COMPLETED, policy=P.COMPLETE, stage=InboundStage.ANSWERED, **common)
        == "the customer called in and reached an agent (Maya (4410)); call acd-77"
    )
    assert (
        reason(Outcome.KEPT, policy=P.COMPLETE, stage=InboundStage.ANSWERED, **common)
        == "the customer called in and reached an agent (Maya (4410)); call acd-77; "
        "kept: an agent has this callback"
    )
    assert (
        reason(
            Outcome.KEPT,
            policy=P.COMPLETE,
            stage=InboundStage.QUEUED,
            agent=None,
            reference=None,
            merged_keys=[],
        )
        == "the customer called in and is queued for an agent; kept until an agent answers"
    )
    assert reason(Outcome.KEPT, policy=P.KEEP, stage=InboundStage.ANSWERED, **common).endswith(
        "; kept (inbound_first = keep)"
    )
    assert reason(
        Outcome.MERGED,
        policy=P.MERGE,
        stage=InboundStage.QUEUED,
        agent=None,
        reference=None,
        merged_keys=["account", "intent"],
    ) == (
        "the customer called in and is queued for an agent; the call's data merged: account, intent"
    )
