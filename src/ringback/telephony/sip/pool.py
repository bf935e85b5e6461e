"""The SIP switch's media workers: one process per call in progress, a few kept spare.

Each worker (``python -m ringback.telephony.sip.worker``) gets a slot: its SIP port and its share
of the RTP ports follow from it (:class:`~ringback.telephony.sip.settings.SipSettings`). A call
takes an idle worker, or has one started, and gives it back once its last leg ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import structlog

from ringback.telephony.sip.protocol import (
    Message,
    Ready,
    Start,
    StartFailed,
    Stop,
    decode,
)
from ringback.telephony.sip.settings import SipSettings
from ringback.telephony.switch import SwitchError

log = structlog.get_logger(__name__)

START_SECONDS = 15.0  # a worker not ready by then is given up
STOP_SECONDS = 5.0  # after Stop, a worker hangs up its legs; then it is killed


class WorkerGone(Exception):
    """The worker's process is no longer there."""


class MediaWorker:
    """One worker process, as the switch sees it."""

    def __init__(self, slot: int, process: asyncio.subprocess.Process) -> None:
        self.slot = slot
        self.process = process
        self.sip_port = 0
        self.reader: asyncio.Task[None] | None = None
        self.retiring = False  # told to stop: it was not needed any more

    def __repr__(self) -> str:
        return f"<MediaWorker {self.slot} pid {self.process.pid} port {self.sip_port}>"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and self.process.stdin is not None

    def send(self, message: Message) -> None:
        """Queue a command for the worker; a worker that is gone drops it (its calls end)."""
        stdin = self.process.stdin
        if stdin is None or stdin.is_closing():
            log.debug("command for a worker that is gone", worker=self.slot, command=message.kind)
            return
        stdin.write(message.encode())


WorkerEvents = Callable[[MediaWorker, Message], None]
WorkerExit = Callable[[MediaWorker], None]


class WorkerPool:
    """Starts, lends and stops the media workers."""

    def __init__(
        self,
        settings: SipSettings,
        *,
        hold_music: Path,
        on_event: WorkerEvents,
        on_exit: WorkerExit,
    ) -> None:
        self._settings = settings
        self._hold_music = hold_music
        self._on_event = on_event
        self._on_exit = on_exit
        self._workers: dict[int, MediaWorker] = {}  # by slot: idle, lent or starting
        self._starting: set[int] = set()
        self._idle: list[MediaWorker] = []
        self._spawner: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def size(self) -> int:
        return len(self._workers) + len(self._starting)

    async def start(self) -> None:
        """Start the spare workers and wait until they are ready."""
        self._closing = False
        spares = min(self._settings.spare_workers, self._settings.max_calls)
        workers = await asyncio.gather(*(self._spawn() for _ in range(spares)))
        self._idle.extend(workers)

    async def acquire(self) -> MediaWorker:
        """An idle worker, or a new one; SwitchError("switch-busy") when all slots are in use."""
        while self._idle:
            worker = self._idle.pop()
            if worker.alive:
                self._top_up()
                return worker
        if self.size >= self._settings.max_calls:
            raise SwitchError(
                "switch-busy",
                f"all {self._settings.max_calls} media workers are in calls (sip.max_calls)",
            )
        worker = await self._spawn()
        self._top_up()
        return worker

    def give_back(self, worker: MediaWorker) -> None:
        """A worker whose call is over (all its legs ended) takes the next one."""
        if self._closing or not worker.alive:
            return
        if len(self._idle) >= max(1, self._settings.spare_workers):
            worker.retiring = True  # more idle workers than wanted: let this one go
            worker.send(Stop())
            return
        self._idle.append(worker)

    async def close(self) -> None:
        """Stop every worker (each hangs up its legs first); kill those that do not leave."""
        self._closing = True
        for task in list(self._spawner):
            task.cancel()
        await asyncio.gather(*self._spawner, return_exceptions=True)
        workers = list(self._workers.values())
        for worker in workers:
            worker.send(Stop())
        await asyncio.gather(*(self._wait_for_exit(worker) for worker in workers))
        self._idle.clear()

    async def _wait_for_exit(self, worker: MediaWorker) -> None:
        try:
            await asyncio.wait_for(worker.process.wait(), STOP_SECONDS)
        except TimeoutError:
            log.warning("media worker did not stop: killed", worker=worker.slot)
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
            await worker.process.wait()
        if worker.reader is not None:
            await worker.reader

    def _top_up(self) -> None:
        """Start workers in the background until enough are spare (and slots remain)."""
        wanted = self._settings.spare_workers - len(self._idle) - len(self._starting)
        room = self._settings.max_calls - self.size
        for _ in range(max(0, min(wanted, room))):
            task = asyncio.get_running_loop().create_task(self._spare())
            self._spawner.add(task)
            task.add_done_callback(self._spawner.discard)

    async def _spare(self) -> None:
        try:
            worker = await self._spawn()
        except SwitchError as exc:
            log.error("spare media worker did not start", detail=exc.detail)
            return
        self._idle.append(worker)

    async def _spawn(self) -> MediaWorker:
        slot = next(
            slot
            for slot in range(self._settings.max_calls)
            if slot not in self._workers and slot not in self._starting
        )
        self._starting.add(slot)
        try:
            return await self._start_worker(slot)
        finally:
            self._starting.discard(slot)

    async def _start_worker(self, slot: int) -> MediaWorker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ringback.telephony.sip.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            return await self._handshake(slot, process)
        except BaseException:
            # Cancelled (the switch is closing) or failed: no worker is left behind.
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise

    async def _handshake(self, slot: int, process: asyncio.subprocess.Process) -> MediaWorker:
        worker = MediaWorker(slot, process)
        assert process.stdout is not None
        level = logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower()
        worker.send(
            Start(
                settings=self._settings.for_worker(),
                slot=slot,
                hold_music=str(self._hold_music),
                log_level=level,
            )
        )
        try:
            line = await asyncio.wait_for(process.stdout.readline(), START_SECONDS)
            first = decode(line) if line else StartFailed(detail="it exited")
        except (TimeoutError, ValueError) as exc:
            first = StartFailed(detail=f"no answer ({type(exc).__name__})")
        if not isinstance(first, Ready):
            detail = first.detail if isinstance(first, StartFailed) else first.kind
            raise SwitchError("switch-not-running", f"media worker {slot} did not start: {detail}")
        worker.sip_port = first.sip_port
        self._workers[slot] = worker
        worker.reader = asyncio.get_running_loop().create_task(
            self._read(worker), name=f"media worker {slot}"
        )
        log.info("media worker started", worker=slot, pid=process.pid, sip_port=first.sip_port)
        return worker

    async def _read(self, worker: MediaWorker) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        try:
            while line := await stdout.readline():
                try:
                    message = decode(line)
                except ValueError:
                    log.error("media worker said something else", worker=worker.slot, line=line)
                    continue
                try:
                    self._on_event(worker, message)
                except Exception:
                    log.exception("media worker event not handled", worker=worker.slot)
        finally:
            await worker.process.wait()
            self._workers.pop(worker.slot, None)
            if worker in self._idle:
                self._idle.remove(worker)
            if worker.process.returncode != 0 or not (self._closing or worker.retiring):
                log.warning(
                    "media worker exited", worker=worker.slot, status=worker.process.returncode
                )
            self._on_exit(worker)
            if not self._closing:
                self._top_up()
