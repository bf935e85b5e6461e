"""SIP calls: how many bridged calls with sound one switch process holds.

``ringback switch --driver sip`` runs in its own process, with the SIP lab of tests/sip around it
on 127.0.0.1: Kamailio as trunk and registrar, and one baresip phone for each agent and each
customer, every agent playing 1000 Hz and every customer 880 Hz. Calls are placed over the
switch protocol (a node's RemoteSwitch) in steps; once a step's calls are connected, for a
window of a few seconds the bench reads the CPU and memory of the switch process and its media
workers from /proc, and what every phone received off the wire: the RTP packets (against the 50
a second the switch sends, each stamped with the kernel's time of arrival) and the other party's
tone. A call has good sound when both of its phones hear the other party's tone in at least 95%
of the window's fifths of a second, lose at most 2% of the packets and never wait 100 ms or more
for one. The phones and Kamailio run on the same cores as the switch, so the figures are those
of a switch sharing its machine with its own test rig: a floor, not a ceiling.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.process import Running, ringback_switch
from tests.sip.network import reserve_udp_ports
from tests.sip.phone import Answer, Phone
from tests.sip.registrar import Registrar, run_registrar
from tests.sip.tones import PRESENT, write_tone

from bench.common import ScenarioResult
from ringback.clock import SystemClock
from ringback.telephony.remote import RemoteSwitch
from ringback.telephony.sip.settings import RTP_PORTS_PER_CALL
from ringback.telephony.switch import CallState, CallStateChanged, EventPosition, SwitchEvent

# Calls held at each step, by size.
SIZES = {"tiny": (1, 2), "small": (2, 4, 8), "full": (4, 8, 16, 32, 48, 64)}
AGENT_TONE, CUSTOMER_TONE = 1000.0, 880.0
WINDOW_SECONDS = 5.0
SETTLE_SECONDS = 2.0
PACKETS_PER_SECOND = 50  # 20 ms of G.711 each
MAX_LOSS = 0.02
HEARD_WINDOW_SECONDS = 0.2
MIN_HEARD = 0.95  # of the 0.2 s windows
MAX_GAP_SECONDS = 0.1
CONNECT_SECONDS = 30.0


@dataclass
class Pair:
    call_id: str
    agent: Phone
    customer: Phone


@dataclass(frozen=True)
class Sound:
    heard: float  # the share of 0.2 s windows in which the other party's tone is there
    loss: float  # the share of the expected packets that did not arrive
    longest_gap: float  # seconds


def run(db: str, size: str) -> ScenarioResult:
    steps = SIZES[size]
    result = ScenarioResult(
        "sip", db, size, {"calls": list(steps), "window_seconds": WINDOW_SECONDS}
    )
    with tempfile.TemporaryDirectory(prefix="ringback-sip-bench-") as folder:
        asyncio.run(_measure(Path(folder), steps, result))
    return result


async def _measure(folder: Path, steps: tuple[int, ...], result: ScenarioResult) -> None:
    with ExitStack() as stack:
        registrar = stack.enter_context(run_registrar(folder / "kamailio"))
        switch_process = stack.enter_context(_switch(folder, registrar, max(steps)))
        phones = stack.enter_context(_phones(folder, registrar))
        switch = RemoteSwitch(switch_process.url, clock=SystemClock(), resume_from=_nowhere)
        connected: set[str] = set()
        arrived = asyncio.Event()

        async def on_event(event: SwitchEvent) -> None:
            if isinstance(event, CallStateChanged) and event.state is CallState.CONNECTED:
                connected.add(event.call_id)
                arrived.set()

        switch.subscribe(on_event)
        await switch.start()
        try:
            await asyncio.wait_for(switch.connected.wait(), 10)
            pairs: list[Pair] = []
            good_up_to = 0
            for calls in steps:
                while len(pairs) < calls:
                    pair = phones(len(pairs))
                    pairs.append(pair)
                    await switch.make_call(
                        call_id=pair.call_id,
                        place=f"place:{pair.agent.user}",
                        destination=pair.customer.user,
                    )
                await _until(lambda: all(p.call_id in connected for p in pairs), arrived)
                await asyncio.sleep(SETTLE_SECONDS)
                good = _step(result, switch_process.process.pid, pairs)
                if good == len(pairs):
                    good_up_to = calls
                else:
                    break
            result.add(
                "calls with good sound, most held",
                float(good_up_to),
                "calls",
                target="every call of a step, both ways",
            )
            for pair in pairs:
                await switch.release(call_id=pair.call_id)
        finally:
            await switch.close()


def _step(result: ScenarioResult, pid: int, pairs: list[Pair]) -> int:
    """Measure one step's window; add its figures; return how many calls sounded good."""
    calls = len(pairs)
    before, started = _cpu_seconds(pid), time.monotonic()
    time.sleep(WINDOW_SECONDS)
    after, ended = _cpu_seconds(pid), time.monotonic()
    sounds = [
        _sound(phone, tone, started, ended)
        for pair in pairs
        for phone, tone in ((pair.agent, CUSTOMER_TONE), (pair.customer, AGENT_TONE))
    ]
    good = sum(
        all(
            s.heard >= MIN_HEARD and s.loss <= MAX_LOSS and s.longest_gap < MAX_GAP_SECONDS
            for s in both
        )
        for both in zip(sounds[::2], sounds[1::2], strict=True)
    )
    failing = {
        f"tone heard under {MIN_HEARD:.0%} of the time": sum(s.heard < MIN_HEARD for s in sounds),
        f"loss over {MAX_LOSS:.0%}": sum(s.loss > MAX_LOSS for s in sounds),
        f"a gap of {MAX_GAP_SECONDS * 1000:.0f} ms or more": sum(
            s.longest_gap >= MAX_GAP_SECONDS for s in sounds
        ),
    }
    if good < calls:
        reasons = ", ".join(f"{why}: {count}" for why, count in failing.items() if count)
        result.notes.append(f"{calls} calls: phones with bad sound ({reasons})")
    # Per process: a media worker that ended in the window takes its CPU with it, and one that
    # started in it counts from its start.
    spent = sum(seconds - before.get(process, 0.0) for process, seconds in after.items())
    core = spent / (ended - started)
    result.add(f"{calls} calls: switch CPU", core * 100, "% of a core")
    result.add(f"{calls} calls: switch memory", _memory_bytes(pid) / 2**20, "MiB")
    result.add(f"{calls} calls: least time tone heard", min(s.heard for s in sounds) * 100, "%")
    result.add(f"{calls} calls: worst packet loss", max(s.loss for s in sounds) * 100, "%")
    result.add(f"{calls} calls: longest gap", max(s.longest_gap for s in sounds) * 1000, "ms")
    result.add(f"{calls} calls: with good sound", float(good), "calls")
    return good


def _sound(phone: Phone, tone: float, start: float, end: float) -> Sound:
    packets = [p for p in phone.packets(start, end) if p.payload_type in (0, 8)]
    expected = (end - start) * PACKETS_PER_SECOND
    arrivals = [start, *(p.at for p in packets), end]
    levels = phone.heard_between(start, end).levels_over_time(tone, HEARD_WINDOW_SECONDS)
    return Sound(
        heard=sum(level >= PRESENT for level in levels) / max(1, len(levels)),
        loss=max(0.0, 1 - len(packets) / expected),
        longest_gap=max(b - a for a, b in itertools.pairwise(arrivals)),
    )


async def _until(done: Callable[[], bool], arrived: asyncio.Event) -> None:
    deadline = time.monotonic() + CONNECT_SECONDS
    while not done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError("calls did not connect in time: see the switch's log")
        arrived.clear()
        try:
            await asyncio.wait_for(arrived.wait(), remaining)
        except TimeoutError:
            continue


async def _nowhere() -> EventPosition | None:
    return None  # the bench applies no event twice: it resumes from nothing


@contextmanager
def _switch(folder: Path, registrar: Registrar, max_calls: int) -> Iterator[Running]:
    proxy = f"{registrar.host}:{registrar.port}"
    rtp = reserve_udp_ports((max_calls + 2) * RTP_PORTS_PER_CALL)
    config = folder / "ringback.toml"
    config.write_text(
        f"""[sip]
local_address = "127.0.0.1"
sip_port = 0
rtp_port_start = {rtp.first}
rtp_port_count = {rtp.last - rtp.first + 1}
max_calls = {max_calls + 2}
spare_workers = 2
trunk = "{proxy}"
registrar = "{proxy}"
""",
        encoding="utf-8",
    )
    try:
        with ringback_switch(config=config, driver="sip", log=folder / "switch.log") as running:
            yield running
    finally:
        rtp.release()


@contextmanager
def _phones(folder: Path, registrar: Registrar) -> Iterator[Callable[[int], Pair]]:
    """A maker of the phones of call n: agent 2000+n and customer +1212555(1000+n)."""
    tones = {tone: folder / f"tone-{tone:g}.wav" for tone in (AGENT_TONE, CUSTOMER_TONE)}
    for tone, path in tones.items():
        write_tone(path, tone)
    started: list[Phone] = []

    def pair(n: int) -> Pair:
        made = []
        for user, tone in ((str(2000 + n), AGENT_TONE), (f"+1212555{1000 + n}", CUSTOMER_TONE)):
            phone = Phone(
                user,
                registrar=registrar,
                folder=folder / "phones" / user,
                tone=tone,
                tone_file=tones[tone],
                answer=Answer.AUTO,
            )
            started.append(phone)
            made.append(phone.start())
        return Pair(f"bench-{n}", *made)

    try:
        yield pair
    finally:
        for phone in started:
            phone.close()


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the switch and its media workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = task / "children"
            if children.exists():
                todo.extend(int(child) for child in children.read_text().split())
    return found


def _cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds each process of the tree has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for process in _tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue  # gone meanwhile
        used[process] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def _memory_bytes(pid: int) -> int:
    """Proportional set size of the tree: shared pages counted once, split among processes."""
    total = 0
    for process in _tree(pid):
        try:
            text = Path(f"/proc/{process}/smaps_rollup").read_text()
        except FileNotFoundError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
    return total
