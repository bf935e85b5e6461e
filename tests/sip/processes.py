"""Starting and stopping the lab's programs (Kamailio, baresip)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path


class LabError(RuntimeError):
    """A part of the SIP lab did not start or did not answer in time."""


def tool(name: str) -> str | None:
    """Where a program is, looking in /usr/sbin too (Kamailio's place, not on every PATH)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which(name, path=path)


def required_tool(name: str) -> str:
    found = tool(name)
    if found is None:
        raise LabError(f"{name} is not installed")
    return found


def launch(args: list[str], *, log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a program in a process group of its own, its output appended to ``log``.

    It gets SIGTERM if the test process dies (setpriv's parent-death signal), so that a killed
    test run leaves no Kamailio or phone behind.
    """
    setpriv = tool("setpriv")
    prefix = [setpriv, "--pdeathsig", "TERM"] if setpriv else []
    with log.open("ab") as output:
        return subprocess.Popen(
            [*prefix, *args],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process's group (Kamailio forks its workers), SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        process.wait(timeout=timeout)
