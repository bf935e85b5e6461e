"""Kamailio as the lab's registrar and stateful proxy, on a free UDP port of 127.0.0.1.

The configuration is ``kamailio.cfg.in`` with its port and runtime folder filled in. Kamailio runs
in the foreground (``-DD -E``) with its pid file, control socket and log in its own folder, so
several instances (one per pytest worker, one per developer) never meet, and no system Kamailio
on 5060 is in the way.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.sip.network import HOST, free_udp_port
from tests.sip.processes import LabError, launch, required_tool, stop_process

TEMPLATE = Path(__file__).with_name("kamailio.cfg.in")
START_SECONDS = 10.0
START_ATTEMPTS = 3


@dataclass(frozen=True)
class Registrar:
    """A running Kamailio: phones register with it, and every call goes through it."""

    port: int
    folder: Path
    host: str = HOST

    @property
    def uri(self) -> str:
        """The proxy's own SIP URI, for an outbound proxy or a registrar setting."""
        return f"sip:{self.host}:{self.port}"

    def address(self, user: str) -> str:
        """The SIP URI that reaches whoever registered as ``user``, through the proxy."""
        return f"sip:{user}@{self.host}:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "kamailio.log"

    def registered(self) -> set[str]:
        """The users that hold a registration now (Kamailio's location table)."""
        socket_path = f"unix:{self.folder / 'kamailio_ctl'}"
        output = subprocess.run(
            [required_tool("kamcmd"), "-s", socket_path, "ul.dump", "brief"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout
        return {
            line.split(":", 1)[1].strip()
            for line in output.splitlines()
            if line.strip().startswith("AoR:")
        }


def options_ping(host: str, port: int, timeout: float = 0.2) -> str | None:
    """Send an OPTIONS to the proxy itself; its status line, or None without an answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        sock.settimeout(timeout)
        local = sock.getsockname()[1]
        tag = secrets.token_hex(6)
        request = (
            f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {HOST}:{local};branch=z9hG4bK{tag};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:probe@{HOST}>;tag={tag}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: {tag}@{HOST}\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        sock.sendto(request.encode(), (host, port))
        try:
            answer = sock.recv(4096)
        except TimeoutError:
            return None
    return answer.split(b"\r\n", 1)[0].decode(errors="replace")


@contextmanager
def run_registrar(folder: Path) -> Iterator[Registrar]:
    """Start Kamailio with its files in ``folder``, ready when it answers OPTIONS; stop it after."""
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, START_ATTEMPTS + 1):
        registrar = Registrar(port=free_udp_port(), folder=folder)
        process = _start_kamailio(registrar)
        try:
            _wait_until_ready(registrar, process)
            break
        except LabError:
            # Most likely the port was taken between its check and Kamailio's bind.
            stop_process(process)
            if attempt == START_ATTEMPTS:
                raise
    try:
        yield registrar
    finally:
        stop_process(process)


def _start_kamailio(registrar: Registrar) -> subprocess.Popen[bytes]:
    folder = registrar.folder
    config = folder / "kamailio.cfg"
    config.write_text(
        TEMPLATE.read_text()
        .replace("@PORT@", str(registrar.port))
        .replace("@RUNTIME_DIR@", str(folder))
    )
    return launch(
        [
            required_tool("kamailio"),
            "-DD",  # stay in the foreground, so that stopping this process stops Kamailio
            "-E",  # log to stderr, that is kamailio.log
            "-f",
            str(config),
            "-P",
            str(folder / "kamailio.pid"),
            "-Y",
            str(folder),
            "-m",
            "32",
            "-M",
            "4",
        ],
        log=registrar.log,
    )


def _wait_until_ready(registrar: Registrar, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while options_ping(HOST, registrar.port) is None or process.poll() is not None:
        if process.poll() is not None:
            raise LabError(f"kamailio exited: see {registrar.log}")
        if time.monotonic() > deadline:
            raise LabError(f"kamailio did not answer on {registrar.port}: see {registrar.log}")
