"""The wait model of a queued callback (callbacks/waits.py): pure functions, no database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.callbacks.waits import (
    CONFIGURED_HANDLE_TIME,
    POSITION_MODEL,
    HandleTime,
    QueueLoad,
    Step,
    erlang_cdf,
    erlang_quantile,
    estimate_wait,
    handle_time,
)

T = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def load(
    staffed: int, free: int = 0, handle: float | None = 300.0, accept: float = 0.0
) -> QueueLoad:
    return QueueLoad(
        staffed=staffed,
        free=free,
        handle=HandleTime(handle, 50, accept) if handle is not None else None,
        configured_handle_seconds=600,
    )


def seconds(wait: timedelta) -> float:
    return wait.total_seconds()


def test_the_kth_in_line_waits_for_k_plus_one_completions_of_the_busy_agents() -> None:
    # 3 agents busy, 5 ahead: 6 completions at 3 per 300 s, then the 10 s an agent takes to accept.
    found = estimate_wait(ahead=5, load=load(3, handle=300, accept=10))
    assert found is not None and found.method == POSITION_MODEL
    assert seconds(found.expected) == pytest.approx(10 + 6 * 300 / 3)
    assert found.p50 < found.expected < found.p90


def test_a_free_agent_takes_it_at_once() -> None:
    found = estimate_wait(ahead=1, load=load(4, free=2, accept=8))
    assert found is not None
    assert (seconds(found.expected), seconds(found.p90)) == (8, 8)


def test_without_history_the_configured_handle_time_is_used_and_said() -> None:
    found = estimate_wait(ahead=1, load=load(2, handle=None))
    assert found is not None and found.method == CONFIGURED_HANDLE_TIME
    assert seconds(found.expected) == pytest.approx(2 * 600 / 2)


def test_nobody_staffed_gives_no_estimate() -> None:
    assert estimate_wait(ahead=0, load=load(0)) is None


def steps(callback: uuid.UUID, *rows: tuple[int, CallbackEvent, CallbackState]) -> list[Step]:
    return [
        Step(callback, n, T + timedelta(seconds=at), event, to, 30)
        for n, (at, event, to) in enumerate(rows)
    ]


def test_handle_time_counts_refused_offers_as_agent_time_but_not_as_callbacks_taken() -> None:
    E, S = CallbackEvent, CallbackState
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    history = [
        *steps(
            first,
            (0, E.CREATE, S.QUEUED),
            (0, E.OFFER, S.OFFERED),
            (20, E.REJECT, S.QUEUED),  # refused after 20 s
            (30, E.OFFER, S.OFFERED),
            (40, E.ACCEPT, S.ACCEPTED),
            (40, E.DIAL, S.DIALING),
            (45, E.NO_CONTACT, S.ACCEPTED),
            (280, E.RETRY, S.SCHEDULED),  # 250 s in the agent's hands
        ),
        *steps(
            second,
            (-100, E.ACCEPT, S.ACCEPTED),  # offered before the history read: left out
            (100, E.COMPLETE, S.COMPLETED),
            (200, E.OFFER, S.OFFERED),
            (210, E.ACCEPT, S.ACCEPTED),
            (400, E.COMPLETE, S.COMPLETED),  # 200 s
        ),
        # Still in hand: not counted yet.
        *steps(third, (300, E.OFFER, S.OFFERED), (305, E.ACCEPT, S.ACCEPTED)),
    ]
    found = handle_time(history)
    assert found is not None
    assert found.callbacks == 2
    assert found.seconds == pytest.approx((20 + 250 + 30 + 200 + 30) / 2)
    assert found.accept_seconds == pytest.approx((10 + 10) / 2)
    assert handle_time(history[:3]) is None


@settings(max_examples=300, deadline=None)
@given(
    ahead=st.integers(0, 400),
    staffed=st.integers(1, 200),
    free=st.integers(0, 200),
    handle=st.floats(5, 5_000),
    accept=st.floats(0, 60),
)
def test_more_ahead_never_means_a_shorter_wait(
    ahead: int, staffed: int, free: int, handle: float, accept: float
) -> None:
    now = estimate_wait(ahead=ahead, load=load(staffed, min(free, staffed), handle, accept))
    later = estimate_wait(ahead=ahead + 1, load=load(staffed, min(free, staffed), handle, accept))
    assert now is not None and later is not None
    assert now.expected <= later.expected
    assert now.p50 <= later.p50 and now.p90 <= later.p90
    assert now.p50 <= now.expected <= now.p90


@settings(max_examples=300, deadline=None)
@given(
    ahead=st.integers(0, 400),
    staffed=st.integers(1, 200),
    free=st.integers(0, 200),
    handle=st.floats(5, 5_000),
)
def test_more_agents_or_more_free_agents_never_mean_a_longer_wait(
    ahead: int, staffed: int, free: int, handle: float
) -> None:
    free = min(free, staffed)
    base = estimate_wait(ahead=ahead, load=load(staffed, free, handle))
    more_staff = estimate_wait(ahead=ahead, load=load(staffed + 1, free, handle))
    more_free = estimate_wait(ahead=ahead, load=load(staffed + 1, free + 1, handle))
    assert base is not None and more_staff is not None and more_free is not None
    assert more_staff.expected <= base.expected and more_staff.p90 <= base.p90
    assert more_free.expected <= more_staff.expected and more_free.p90 <= more_staff.p90


@settings(max_examples=200, deadline=None)
@given(ahead=st.integers(0, 300), staffed=st.integers(1, 50), handle=st.floats(5, 5_000))
def test_a_longer_handle_time_never_means_a_shorter_wait(
    ahead: int, staffed: int, handle: float
) -> None:
    short = estimate_wait(ahead=ahead, load=load(staffed, 0, handle))
    long = estimate_wait(ahead=ahead, load=load(staffed, 0, handle * 1.5))
    assert short is not None and long is not None
    assert short.expected <= long.expected and short.p90 <= long.p90


@settings(max_examples=200, deadline=None)
@given(
    stages=st.integers(1, 300), rate=st.floats(1e-4, 10), p=st.sampled_from([0.1, 0.5, 0.9, 0.99])
)
def test_the_quantile_is_where_the_distribution_reaches_p(
    stages: int, rate: float, p: float
) -> None:
    t = erlang_quantile(stages, rate, p)
    # Exact up to 60 stages, Wilson-Hilferty beyond: within half a percent of p either way.
    assert erlang_cdf(stages, rate, t) == pytest.approx(p, abs=0.005)


def test_one_stage_is_the_exponential_distribution() -> None:
    assert erlang_quantile(1, 1 / 300, 0.5) == pytest.approx(300 * 0.6931471805599453)
    assert erlang_cdf(1, 1 / 300, 300) == pytest.approx(1 - 0.36787944117144233)
