"""How long a queued callback will wait, from what its queue has really done: pure functions.

The model is M/M/c seen from a known place in line. With ``ahead`` callbacks before it and
``free`` agents idle, a callback is offered once ``ahead + 1 - free`` agents have finished what
they hold; ``staffed`` agents finish one callback each every ``handle`` seconds on average
(offer, call, wrap-up and After Call Work), so completions come at ``staffed / handle`` a second
and the wait is Erlang (Gamma) distributed with that many stages. Erlang C would give the mean
wait of a new arrival averaged over every place in line; here the place is known, so the
position-aware form is the sharper one (tests/callbacks/test_wait_estimates_day.py measures both).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

from ringback.callbacks.states import CallbackEvent, CallbackState

# The history a queue's handle time is measured on: its newest rows, within a window (a handled
# callback leaves about six rows: offer, accept, dial, connect, complete...).
RECENT_WINDOW = timedelta(hours=1)
RECENT_LIMIT = 1_000
# Where a callback is out of its agent's hands.
RELEASED = frozenset(
    {
        CallbackState.QUEUED,
        CallbackState.SCHEDULED,
        CallbackState.COMPLETED,
        CallbackState.FAILED,
        CallbackState.CANCELLED,
        CallbackState.EXPIRED,
    }
)

POSITION_MODEL = "erlang-position"
CONFIGURED_HANDLE_TIME = "configured-handle-time (no history yet)"
NO_AGENT_STAFFED = "no-agent-staffed"

# Up to this many stages the Erlang distribution is summed exactly; above it the Wilson-Hilferty
# normal approximation of the Gamma quantile is closer than one stage's width.
_EXACT_STAGES = 60


@dataclass(frozen=True)
class Step:
    """One row of a callback's history, with its service's After Call Work timer."""

    callback_id: uuid.UUID
    order: int  # the history row's id: steps at the same instant in the order they happened
    at: datetime
    event: CallbackEvent
    to_state: CallbackState
    after_call_work_seconds: int


@dataclass(frozen=True)
class HandleTime:
    """Agent time spent per callback taken off the queue, as measured on ``callbacks`` of them,
    and how long an offer took to be accepted (the callback is dialled then)."""

    seconds: float
    callbacks: int
    accept_seconds: float = 0.0


@dataclass(frozen=True)
class QueueLoad:
    """What the queue's wait depends on, read at one moment."""

    staffed: int  # agents who can take the queue: Ready (idle or busy) or in After Call Work
    free: int  # of those, Ready with nothing offered or in hand
    handle: HandleTime | None  # None: no interaction of the queue ended recently
    configured_handle_seconds: float  # the service's average_handle_seconds


@dataclass(frozen=True)
class WaitEstimate:
    expected: timedelta  # the mean
    p50: timedelta
    p90: timedelta
    method: str


def handle_time(history: Sequence[Step]) -> HandleTime | None:
    """Agent time per callback taken, from the queue's recent callback history: each offer
    holds an agent until the callback leaves their hands (back to the queue, rescheduled,
    completed...), plus After Call Work when the offer was accepted. Refused and withdrawn
    offers took an agent without taking a callback, so they add time but not callbacks. An
    offer older than the history read is left out. None without an accepted offer."""
    busy = answering = 0.0
    accepted = 0
    by_callback: dict[uuid.UUID, list[Step]] = defaultdict(list)
    for step in history:
        by_callback[step.callback_id].append(step)
    for steps in by_callback.values():
        offered: Step | None = None
        taken: datetime | None = None
        for step in sorted(steps, key=lambda s: (s.at, s.order)):
            if step.event is CallbackEvent.OFFER:
                offered, taken = step, None
            elif offered is None:
                continue
            elif step.event is CallbackEvent.ACCEPT:
                taken = step.at
            elif step.to_state in RELEASED:
                busy += max((step.at - offered.at).total_seconds(), 0.0)
                if taken is not None:
                    busy += offered.after_call_work_seconds
                    answering += max((taken - offered.at).total_seconds(), 0.0)
                    accepted += 1
                offered = None
    if accepted == 0:
        return None
    return HandleTime(
        seconds=busy / accepted, callbacks=accepted, accept_seconds=answering / accepted
    )


def estimate_wait(*, ahead: int, load: QueueLoad) -> WaitEstimate | None:
    """The wait, until an agent accepts it, of the callback with ``ahead`` callbacks before it;
    None when no agent is staffed on the queue (nobody will call until someone is)."""
    if ahead < 0:
        raise ValueError("ahead cannot be negative")
    if load.staffed <= 0:
        return None
    if load.handle is not None:
        handle, method = load.handle.seconds, POSITION_MODEL
        accept = timedelta(seconds=load.handle.accept_seconds)
    else:
        handle, method = load.configured_handle_seconds, CONFIGURED_HANDLE_TIME
        accept = timedelta()
    stages = ahead + 1 - min(load.free, load.staffed)
    if stages <= 0 or handle <= 0:
        # An agent is free for it now: the routing engine offers it at its next pass.
        return WaitEstimate(accept, accept, accept, method)
    rate = load.staffed / handle  # completions per second
    return WaitEstimate(
        expected=accept + timedelta(seconds=stages / rate),
        p50=accept + timedelta(seconds=erlang_quantile(stages, rate, 0.5)),
        p90=accept + timedelta(seconds=erlang_quantile(stages, rate, 0.9)),
        method=method,
    )


def erlang_cdf(stages: int, rate: float, t: float) -> float:
    """P(T <= t) for the sum of ``stages`` exponential times of rate ``rate``."""
    if t <= 0:
        return 0.0
    x = rate * t
    # 1 - sum_{i<k} e^-x x^i / i!, each term in logs so that neither e^-x nor x^i overflows.
    tail = sum(math.exp(-x + i * math.log(x) - math.lgamma(i + 1)) for i in range(stages))
    return min(max(1.0 - tail, 0.0), 1.0)


def erlang_quantile(stages: int, rate: float, p: float) -> float:
    """The time by which ``stages`` exponential completions of rate ``rate`` have happened with
    probability ``p``."""
    if not 0 < p < 1:
        raise ValueError("p must be strictly between 0 and 1")
    if stages > _EXACT_STAGES:
        return _wilson_hilferty(stages, rate, p)
    low, high = 0.0, stages / rate
    while erlang_cdf(stages, rate, high) < p:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        if erlang_cdf(stages, rate, middle) < p:
            low = middle
        else:
            high = middle
    return high


def _wilson_hilferty(shape: int, rate: float, p: float) -> float:
    z = NormalDist().inv_cdf(p)
    c = 1 / (9 * shape)
    return shape * (1 - c + z * math.sqrt(c)) ** 3 / rate
