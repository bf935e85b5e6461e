"""The routing decision as pure code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.routing.policy import FreeAgent, Refusal, Waiting, effective_priority, route

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def waiting(priority: int = 50, minutes: float = 0, **fields: object) -> Waiting:
    values: dict[str, object] = {
        "callback_id": uuid.uuid4(),
        "channel": "voice",
        "skills": frozenset({"cards"}),
        "priority": priority,
        "aging_per_minute": 1.0,
        "queued_at": NOW - timedelta(minutes=minutes),
        "cooldown": timedelta(minutes=5),
    }
    values.update(fields)
    return Waiting(**values)  # type: ignore[arg-type]


def agent(agent_id: int, idle_minutes: float = 0, **fields: object) -> FreeAgent:
    values: dict[str, object] = {
        "agent_id": agent_id,
        "channel": "voice",
        "skills": frozenset({"cards", "french"}),
        "idle_since": NOW - timedelta(minutes=idle_minutes),
    }
    values.update(fields)
    return FreeAgent(**values)  # type: ignore[arg-type]


def test_higher_priority_first_then_longest_idle_agent() -> None:
    low, high = waiting(priority=10), waiting(priority=90)
    matches = route([low, high], [agent(1, idle_minutes=1), agent(2, idle_minutes=9)], [], NOW)
    assert [(m.callback_id, m.agent_id) for m in matches] == [
        (high.callback_id, 2),
        (low.callback_id, 1),
    ]


def test_aging_lets_an_old_low_priority_callback_overtake() -> None:
    old = waiting(priority=10, minutes=60)
    new = waiting(priority=50, minutes=0)
    assert effective_priority(old, NOW) == 70
    assert route([new, old], [agent(1)], [], NOW)[0].callback_id == old.callback_id


def test_same_priority_is_served_in_queue_order() -> None:
    first, second = waiting(minutes=3, aging_per_minute=0), waiting(minutes=1, aging_per_minute=0)
    assert route([second, first], [agent(1)], [], NOW)[0].callback_id == first.callback_id


def test_skills_and_channel_must_match() -> None:
    french = waiting(skills=frozenset({"french", "mortgages"}))
    web = waiting(channel="webcallback")
    assert route([french, web], [agent(1)], [], NOW) == []
    assert route([web], [agent(2, channel="webcallback")], [], NOW)[0].agent_id == 2


def test_an_agent_who_refused_is_passed_over_until_the_cooldown_ends() -> None:
    callback = waiting()
    refusal = Refusal(callback.callback_id, 1, NOW - timedelta(minutes=2))
    assert route([callback], [agent(1, idle_minutes=9), agent(2)], [refusal], NOW)[0].agent_id == 2
    assert route([callback], [agent(1)], [refusal], NOW) == []
    later = NOW + timedelta(minutes=4)
    assert route([callback], [agent(1)], [refusal], later)[0].agent_id == 1


def test_a_personal_callback_waits_for_its_agent_until_the_reservation_ends() -> None:
    mine = waiting(reserved_agent_id=2, reserved_until=NOW + timedelta(minutes=5))
    assert route([mine], [agent(1, idle_minutes=9)], [], NOW) == []
    assert route([mine], [agent(1), agent(2)], [], NOW)[0].agent_id == 2
    assert route([mine], [agent(1)], [], NOW + timedelta(minutes=6))[0].agent_id == 1


def test_callbacks_outside_their_calling_window_wait() -> None:
    assert route([waiting(callable_now=False)], [agent(1)], [], NOW) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 100), st.floats(0, 120)), max_size=25),
    st.lists(st.tuples(st.floats(0, 60), st.booleans()), max_size=25, unique_by=lambda a: a),
)
def test_nobody_gets_two_offers_and_no_callback_goes_twice(
    callbacks: list[tuple[int, float]], agents: list[tuple[float, bool]]
) -> None:
    queue = [waiting(priority=p, minutes=m) for p, m in callbacks]
    free = [
        agent(i, idle_minutes=idle, skills=frozenset({"cards"} if ok else {"x"}))
        for i, (idle, ok) in enumerate(agents)
    ]
    matches = route(queue, free, [], NOW)
    assert len({m.agent_id for m in matches}) == len(matches)
    assert len({m.callback_id for m in matches}) == len(matches)
    skilled = sum(1 for _, ok in agents if ok)
    assert len(matches) == min(len(queue), skilled)
    served = {m.callback_id for m in matches}
    # Whoever is left waiting never outranks someone who was served.
    for callback in queue:
        if callback.callback_id not in served and matches:
            assert all(
                effective_priority(callback, NOW) <= effective_priority(other, NOW)
                for other in queue
                if other.callback_id in served
            )
