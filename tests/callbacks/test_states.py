"""The callback state machine: which events each state accepts, and the refusal of the rest."""

from __future__ import annotations

import itertools
import uuid

import pytest

from ringback.callbacks.states import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    CallbackEvent,
    CallbackState,
    IllegalTransition,
    Transition,
    allowed_events,
    transition,
)
from ringback.errors import RingbackError

S, E = CallbackState, CallbackEvent

ILLEGAL = [pair for pair in itertools.product(S, E) if pair not in TRANSITIONS]
CALLBACK_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")

# What each event means for a callback, whichever state it comes from.
OUTCOME = {
    E.DUE: S.QUEUED,
    E.RESCHEDULE: S.SCHEDULED,
    E.RETRY: S.SCHEDULED,
    E.CANCEL: S.CANCELLED,
    E.EXPIRE: S.EXPIRED,
    E.OFFER: S.OFFERED,
    E.REJECT: S.QUEUED,
    E.ACCEPT: S.ACCEPTED,
    E.DIAL: S.DIALING,
    E.CONNECT: S.CONNECTED,
    E.TRANSFER: S.CONNECTED,
    E.COMPLETE: S.COMPLETED,
    E.FAIL: S.FAILED,
    E.ANSWERED_ELSEWHERE: S.COMPLETED,
}


@pytest.mark.parametrize(("state", "event"), list(TRANSITIONS))
def test_an_allowed_event_moves_the_callback(state: CallbackState, event: CallbackEvent) -> None:
    target = TRANSITIONS[state, event]
    assert transition(CALLBACK_ID, state, event) == Transition(state, event, target)


@pytest.mark.parametrize(("state", "event"), ILLEGAL)
def test_any_other_event_is_refused(state: CallbackState, event: CallbackEvent) -> None:
    with pytest.raises(IllegalTransition) as excinfo:
        transition(CALLBACK_ID, state, event)
    refused = excinfo.value
    assert isinstance(refused, RingbackError)
    assert (refused.code, refused.status) == ("illegal-transition", 409)
    assert refused.extra == {"state": str(state), "event": str(event)}
    assert refused.callback_id == CALLBACK_ID
    assert refused.detail == f"a callback that is {state} cannot {event}"


def test_the_life_of_a_callback_that_is_answered() -> None:
    state = S.SCHEDULED
    for event in (E.DUE, E.OFFER, E.REJECT, E.OFFER, E.ACCEPT, E.DIAL, E.CONNECT, E.COMPLETE):
        state = transition(CALLBACK_ID, state, event).target
    assert state is S.COMPLETED


def test_a_transferred_callback_stays_connected_until_the_agent_who_received_it_is_done() -> None:
    assert [state for (state, event) in TRANSITIONS if event is E.TRANSFER] == [S.CONNECTED]
    state = S.CONNECTED
    for event in (E.TRANSFER, E.TRANSFER, E.COMPLETE):
        state = transition(CALLBACK_ID, state, event).target
    assert state is S.COMPLETED


@pytest.mark.parametrize(("state", "event"), [pair for pair in TRANSITIONS if pair[1] in OUTCOME])
def test_an_event_has_the_same_outcome_from_every_state(
    state: CallbackState, event: CallbackEvent
) -> None:
    assert TRANSITIONS[state, event] is OUTCOME[event]


def test_the_refusal_is_a_problem_document() -> None:
    with pytest.raises(IllegalTransition) as excinfo:
        transition(CALLBACK_ID, S.COMPLETED, E.CANCEL)
    problem = excinfo.value.problem(instance="/callbacks/1")
    assert problem["status"] == 409
    assert problem["title"] == "Conflict"
    assert problem["type"].endswith("/illegal-transition")
    assert (problem["state"], problem["event"]) == ("completed", "cancel")


def test_creation_is_history_only_and_never_a_transition() -> None:
    assert all(event is not E.CREATE for _, event in TRANSITIONS)
    for state in S:
        with pytest.raises(IllegalTransition):
            transition(CALLBACK_ID, state, E.CREATE)


def test_active_and_terminal_states_split_all_states() -> None:
    assert set(S) == ACTIVE_STATES | TERMINAL_STATES
    assert not ACTIVE_STATES & TERMINAL_STATES
    assert {S.COMPLETED, S.CANCELLED, S.FAILED, S.EXPIRED} == TERMINAL_STATES


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_a_finished_callback_accepts_no_event(state: CallbackState) -> None:
    assert allowed_events(state) == []


@pytest.mark.parametrize("state", sorted(ACTIVE_STATES))
def test_every_active_callback_can_still_finish(state: CallbackState) -> None:
    reached, frontier = {state}, [state]
    while frontier:
        current = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source == current and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached & TERMINAL_STATES


def test_every_state_can_be_reached_from_a_new_callback() -> None:
    # A new callback starts scheduled or queued; no state may be unreachable from those.
    reached = {S.SCHEDULED, S.QUEUED}
    frontier = list(reached)
    while frontier:
        current = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source == current and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)


def test_only_a_waiting_callback_becomes_due() -> None:
    assert [state for (state, event) in TRANSITIONS if event is E.DUE] == [S.SCHEDULED]


def test_a_customer_can_cancel_until_an_agent_takes_the_callback() -> None:
    cancellable = {state for (state, event) in TRANSITIONS if event is E.CANCEL}
    assert cancellable == {S.SCHEDULED, S.QUEUED, S.OFFERED}
    assert all(TRANSITIONS[state, E.CANCEL] is S.CANCELLED for state in cancellable)


def test_allowed_events_follow_the_table_order() -> None:
    assert allowed_events(S.SCHEDULED) == [
        E.DUE,
        E.RESCHEDULE,
        E.CANCEL,
        E.EXPIRE,
        E.REPRIORITISE,
        E.ANSWERED_ELSEWHERE,
        E.CALLED_IN,
        E.NOTE,
    ]
    assert allowed_events(S.QUEUED) == [
        E.RESCHEDULE,
        E.CANCEL,
        E.OFFER,
        E.EXPIRE,
        E.REPRIORITISE,
        E.ANSWERED_ELSEWHERE,
        E.CALLED_IN,
        E.NOTE,
    ]
    assert allowed_events(S.OFFERED) == [
        E.REJECT,
        E.ACCEPT,
        E.CANCEL,
        E.REPRIORITISE,
        E.ANSWERED_ELSEWHERE,
        E.CALLED_IN,
    ]


def test_a_customers_note_is_taken_only_before_the_offer_and_keeps_the_state() -> None:
    notable = {state for (state, event) in TRANSITIONS if event is E.NOTE}
    assert notable == {S.SCHEDULED, S.QUEUED}
    assert all(TRANSITIONS[state, E.NOTE] is state for state in notable)


def test_a_new_priority_leaves_a_waiting_callback_where_it_is() -> None:
    reprioritisable = {state for (state, event) in TRANSITIONS if event is E.REPRIORITISE}
    assert reprioritisable == {S.SCHEDULED, S.QUEUED, S.OFFERED}
    assert all(TRANSITIONS[state, E.REPRIORITISE] is state for state in reprioritisable)


def test_a_customer_who_called_in_ends_a_callback_no_agent_has_taken_yet() -> None:
    answerable = {state for (state, event) in TRANSITIONS if event is E.ANSWERED_ELSEWHERE}
    assert answerable == {S.SCHEDULED, S.QUEUED, S.OFFERED}
    assert all(TRANSITIONS[state, E.ANSWERED_ELSEWHERE] is S.COMPLETED for state in answerable)


def test_a_call_in_is_recorded_on_any_active_callback_and_keeps_its_state() -> None:
    recorded = {state for (state, event) in TRANSITIONS if event is E.CALLED_IN}
    assert recorded == ACTIVE_STATES
    assert all(TRANSITIONS[state, E.CALLED_IN] is state for state in recorded)
    with pytest.raises(IllegalTransition):
        transition(CALLBACK_ID, S.COMPLETED, E.CALLED_IN)
