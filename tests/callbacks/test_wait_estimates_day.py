"""A simulated day of one queue: the wait each callback was promised when it queued, against the
wait it had.

A discrete-event simulation (seeded, no clock, no sleep) runs a working day: callbacks arrive at
a rate that changes by the hour, agents sign in and out by a staffing plan (one who leaves first
finishes what they hold, and stops counting as staffed the moment they go Not Ready), take the
longest-waiting callback, sometimes reject the offer, accept after a few seconds, talk for a
lognormal time and do the service's After Call Work. When a callback queues it is given three
estimates from exactly what the position endpoint reads at that moment (callbacks ahead, agents
staffed and free, the interactions ended in the last hour):

- ``constant``: the former estimate, callbacks ahead x the configured average_handle_seconds;
- ``erlang-c``: the Erlang C mean wait of a new arrival (arrivals of the last hour, the measured
  handle time, the agents staffed), which ignores the callback's place in line;
- ``position``: callbacks/waits.py, what the endpoint now answers.

The wait that happened ends when an agent accepts the offer (voice callbacks are dialled then).
docs/api.md quotes the figures this prints; run ``pytest -s`` on this file to see them.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.callbacks.waits import (
    RECENT_LIMIT,
    RECENT_WINDOW,
    QueueLoad,
    Step,
    estimate_wait,
    handle_time,
)

START = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 09:00 in New York
HOUR = 3600.0
# Per opening hour, 09:00 to 17:00: callbacks an hour and agents working.
ARRIVALS_PER_HOUR = (40, 80, 105, 95, 60, 100, 85, 45)
STAFFING = (4, 6, 8, 8, 5, 7, 7, 4)
TALK_MEAN, TALK_CV = 240.0, 0.7  # seconds, lognormal
ACCEPT_SECONDS = (2.0, 15.0)  # uniform: the notification to Accept
REJECT_SHARE, REJECT_SECONDS = 0.05, (3.0, 10.0)
AFTER_CALL_WORK = 30
CONFIGURED_HANDLE = 300  # the service's average_handle_seconds, close to the truth (~280 s)
DAYS = 8  # seeds 1..DAYS


@dataclass
class Caller:
    id: uuid.UUID
    queued_at: float
    estimates: dict[str, float] = field(default_factory=dict)
    p90: float | None = None
    refused_by: set[int] = field(default_factory=set)
    waited: float | None = None


@dataclass
class Agent:
    number: int
    leaving: bool = False


class Day:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.now = 0.0
        self.events: list[tuple[float, int, Callable[[], None]]] = []
        self.sequence = 0
        self.queue: deque[Caller] = deque()
        self.free: list[Agent] = []  # longest idle first
        self.working: list[Agent] = []  # signed in and not leaving
        self.history: deque[Step] = deque()  # the queue's callback history, oldest first
        self.arrivals: deque[float] = deque()
        self.callers: list[Caller] = []
        self.agents_made = 0

    def at(self, when: float, action: Callable[[], None]) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (when, self.sequence, action))

    def run(self) -> list[Caller]:
        for hour, staff in enumerate(STAFFING):
            self.at(hour * HOUR, lambda staff=staff: self.staff(staff))
        self.schedule_arrivals()
        while self.events:
            self.now, _, action = heapq.heappop(self.events)
            action()
        assert not self.queue, "the day ended with callbacks still queued"
        return self.callers

    def schedule_arrivals(self) -> None:
        t = 0.0
        for hour, rate in enumerate(ARRIVALS_PER_HOUR):
            t = max(t, hour * HOUR)
            while True:
                t += self.random.expovariate(rate / HOUR)
                if t >= (hour + 1) * HOUR:
                    t = (hour + 1) * HOUR
                    break
                self.at(t, self.arrive)

    def staff(self, wanted: int) -> None:
        while len(self.working) < wanted:
            self.agents_made += 1
            agent = Agent(self.agents_made)
            self.working.append(agent)
            self.free.append(agent)
        while len(self.working) > wanted:
            # The idle leave first; a busy one goes Not Ready and leaves after this callback.
            idle = [a for a in self.working if a in self.free]
            agent = idle[0] if idle else self.working[0]
            self.working.remove(agent)
            if agent in self.free:
                self.free.remove(agent)
            else:
                agent.leaving = True
        self.dispatch()

    def clock(self, seconds: float) -> datetime:
        return START + timedelta(seconds=seconds)

    def load(self) -> QueueLoad:
        since = self.clock(self.now) - RECENT_WINDOW
        recent = [h for h in self.history if h.at >= since][-RECENT_LIMIT:]
        return QueueLoad(
            staffed=len(self.working),
            free=len(self.free),
            handle=handle_time(recent),
            configured_handle_seconds=CONFIGURED_HANDLE,
        )

    def arrive(self) -> None:
        caller = Caller(uuid.UUID(int=self.random.getrandbits(128)), self.now)
        self.callers.append(caller)
        while self.arrivals and self.arrivals[0] < self.now - HOUR:
            self.arrivals.popleft()
        self.arrivals.append(self.now)
        ahead, load = len(self.queue), self.load()
        estimate = estimate_wait(ahead=ahead, load=load)
        if estimate is not None:
            caller.estimates["position"] = estimate.expected.total_seconds()
            caller.p90 = estimate.p90.total_seconds()
            caller.estimates["constant"] = ahead * CONFIGURED_HANDLE
            handle = load.handle.seconds if load.handle else CONFIGURED_HANDLE
            rate = len(self.arrivals) / max(min(self.now, HOUR), 300.0)
            caller.estimates["erlang-c"] = erlang_c_wait(
                load.staffed, rate * handle, handle, fallback=estimate.expected.total_seconds()
            )
        self.step(caller, self.now, CallbackEvent.CREATE, CallbackState.QUEUED)
        self.queue.append(caller)
        self.dispatch()
        while len(self.history) > 2 * RECENT_LIMIT:
            self.history.popleft()

    def dispatch(self) -> None:
        while self.free and self.queue:
            caller = self.queue[0]
            agent = next((a for a in self.free if a.number not in caller.refused_by), None)
            if agent is None:
                return
            self.queue.popleft()
            self.free.remove(agent)
            self.offer(agent, caller)

    def step(self, caller: Caller, at: float, event: CallbackEvent, to: CallbackState) -> None:
        self.sequence += 1
        self.history.append(
            Step(caller.id, self.sequence, self.clock(at), event, to, AFTER_CALL_WORK)
        )

    def offer(self, agent: Agent, caller: Caller) -> None:
        offered = self.now
        self.step(caller, offered, CallbackEvent.OFFER, CallbackState.OFFERED)
        if self.random.random() < REJECT_SHARE:
            done = offered + self.random.uniform(*REJECT_SECONDS)

            def rejected() -> None:
                self.step(caller, done, CallbackEvent.REJECT, CallbackState.QUEUED)
                caller.refused_by.add(agent.number)
                self.queue.appendleft(caller)  # it keeps its place: first in line
                self.back(agent)

            self.at(done, rejected)
            return
        accepted = offered + self.random.uniform(*ACCEPT_SECONDS)
        caller.waited = accepted - caller.queued_at
        ended = accepted + lognormal(self.random, TALK_MEAN, TALK_CV)

        def taken() -> None:
            # As many rows as a real call leaves: they share the history read's limit.
            self.step(caller, accepted, CallbackEvent.ACCEPT, CallbackState.ACCEPTED)
            self.step(caller, accepted, CallbackEvent.DIAL, CallbackState.DIALING)
            self.step(caller, accepted, CallbackEvent.CONNECT, CallbackState.CONNECTED)

        def marked_done() -> None:
            self.step(caller, ended, CallbackEvent.COMPLETE, CallbackState.COMPLETED)
            self.at(ended + AFTER_CALL_WORK, lambda: self.back(agent))

        self.at(accepted, taken)
        self.at(ended, marked_done)

    def back(self, agent: Agent) -> None:
        if not agent.leaving:
            self.free.append(agent)
        self.dispatch()


def lognormal(rng: random.Random, mean: float, cv: float) -> float:
    sigma = math.sqrt(math.log(1 + cv * cv))
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def erlang_c_wait(agents: int, offered_load: float, handle: float, *, fallback: float) -> float:
    """Erlang C's mean wait of a new arrival; ``fallback`` when the load is at or above the
    agents (Erlang C has no steady state there)."""
    if offered_load >= agents:
        return fallback
    blocking = 1.0  # Erlang B, by its recursion over the number of agents
    for k in range(1, agents + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    waiting = agents * blocking / (agents - offered_load * (1 - blocking))
    return waiting * handle / (agents - offered_load)


@dataclass(frozen=True)
class Errors:
    mean_absolute: float
    median_absolute: float
    p90_absolute: float
    median_relative: float  # of waits of a minute or more
    within_2_minutes: float
    within_5_minutes: float


def errors(pairs: list[tuple[float, float]]) -> Errors:
    absolute = sorted(abs(estimate - waited) for estimate, waited in pairs)
    relative = sorted(abs(e - w) / w for e, w in pairs if w >= 60)
    return Errors(
        mean_absolute=statistics.fmean(absolute),
        median_absolute=statistics.median(absolute),
        p90_absolute=absolute[int(0.9 * (len(absolute) - 1))],
        median_relative=statistics.median(relative),
        within_2_minutes=sum(a <= 120 for a in absolute) / len(absolute),
        within_5_minutes=sum(a <= 300 for a in absolute) / len(absolute),
    )


def test_position_estimates_beat_the_constant_and_erlang_c_on_a_simulated_day() -> None:
    callers = [c for seed in range(1, DAYS + 1) for c in Day(seed).run()]
    estimated = [c for c in callers if c.estimates and c.waited is not None]
    assert len(estimated) == len(callers)  # someone is staffed all day: every caller has one
    found = {
        model: errors([(c.estimates[model], c.waited) for c in estimated if c.waited is not None])
        for model in ("constant", "erlang-c", "position")
    }
    waits = [c.waited for c in estimated if c.waited is not None]
    covered = sum(
        c.waited <= c.p90 for c in estimated if c.waited is not None and c.p90 is not None
    )
    print(
        f"\n{len(estimated)} callbacks over {DAYS} simulated days; waits: mean "
        f"{statistics.fmean(waits):.0f} s, median {statistics.median(waits):.0f} s, max "
        f"{max(waits):.0f} s"
    )
    for model, e in found.items():
        print(
            f"{model:>9}: MAE {e.mean_absolute:6.0f} s, median |error| {e.median_absolute:5.0f} s,"
            f" p90 |error| {e.p90_absolute:6.0f} s, median relative {e.median_relative:6.0%},"
            f" within 2 min {e.within_2_minutes:4.0%}, within 5 min {e.within_5_minutes:4.0%}"
        )
    print(f"p90 estimate covered the wait for {covered / len(estimated):.0%} of callbacks")

    position, constant, erlang_c = found["position"], found["constant"], found["erlang-c"]
    assert position.mean_absolute < constant.mean_absolute / 3
    assert position.mean_absolute < erlang_c.mean_absolute
    assert position.p90_absolute < erlang_c.p90_absolute
    # The bounds docs/api.md states.
    assert position.mean_absolute < 120
    assert position.within_5_minutes > 0.9
    assert 0.8 <= covered / len(estimated) <= 0.97
