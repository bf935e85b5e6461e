"""The interaction machine and the actions each state allows, as pure data."""

from __future__ import annotations

import pytest

from ringback.errors import RingbackError
from ringback.interactions.states import (
    ACTIONS,
    FINAL_STATES,
    HANDED_OVER_STATES,
    HANDLING_STATES,
    ON_CALL_STATES,
    TRANSITIONS,
    Action,
    InteractionEvent,
    InteractionState,
    allowed_actions,
    next_state,
    require,
)

S, E = InteractionState, InteractionEvent


def test_every_state_is_reachable_from_an_offer_or_a_hand_over() -> None:
    reached, frontier = {S.OFFERED, *HANDED_OVER_STATES}, [S.OFFERED, *HANDED_OVER_STATES]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source == state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(InteractionState)


def test_final_states_accept_nothing_and_every_handled_interaction_can_finish() -> None:
    assert not [pair for pair in TRANSITIONS if pair[0] in FINAL_STATES]
    for state in HANDLING_STATES:
        path, current = 0, state
        while current not in FINAL_STATES:
            moves = [
                t
                for (s, e), t in TRANSITIONS.items()
                if s == current and e in (E.CALL_ENDED, E.MARK_DONE)
            ]
            assert moves, f"{current} cannot be finished"
            current, path = moves[0], path + 1
            assert path < 5


@pytest.mark.parametrize(
    ("state", "event"), [(s, e) for s in InteractionState for e in InteractionEvent]
)
def test_next_state_follows_the_table_or_refuses(
    state: InteractionState, event: InteractionEvent
) -> None:
    if (state, event) in TRANSITIONS:
        assert next_state("i", state, event) is TRANSITIONS[(state, event)]
    else:
        with pytest.raises(RingbackError) as refused:
            next_state("i", state, event)
        assert refused.value.code == "action-not-allowed" and refused.value.status == 409


def test_an_offer_only_offers_accept_and_reject() -> None:
    assert allowed_actions(S.OFFERED) == [Action.ACCEPT, Action.REJECT]


def test_mark_done_needs_the_call_to_be_over() -> None:
    for state in ON_CALL_STATES:
        assert Action.MARK_DONE not in allowed_actions(state)
        with pytest.raises(RingbackError, match="end the call first"):
            require(Action.MARK_DONE, state)
    for state in (S.PREVIEW, S.READY_TO_CALL, S.TRANSFERRED, S.JOINED):
        require(Action.MARK_DONE, state)


def test_an_agent_brought_into_a_conference_only_wraps_up() -> None:
    assert set(allowed_actions(S.JOINED)) == {
        Action.EMAIL,
        Action.NOTE,
        Action.DISPOSITION,
        Action.MARK_DONE,
    }


def test_call_actions_match_the_call_state() -> None:
    assert Action.HOLD in allowed_actions(S.CONNECTED) and Action.HOLD not in allowed_actions(
        S.ON_HOLD
    )
    assert Action.RESUME in allowed_actions(S.ON_HOLD) and Action.RESUME not in allowed_actions(
        S.CONNECTED
    )
    assert Action.CALL in allowed_actions(S.READY_TO_CALL) and Action.CALL in allowed_actions(
        S.PREVIEW
    )
    assert all(Action.CALL not in allowed_actions(s) for s in ON_CALL_STATES)
    # Notes and dispositions work on ongoing and ended interactions alike.
    for state in HANDLING_STATES | {S.DONE}:
        assert {Action.NOTE, Action.DISPOSITION} <= set(allowed_actions(state))
    assert set(ACTIONS) == set(Action)
