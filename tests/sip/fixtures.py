"""The SIP lab's fixtures, for any test (tests/conftest.py loads this module as a plugin).

- ``sip_registrar``: Kamailio for this pytest worker, on a free UDP port of 127.0.0.1.
- ``sip_phones``: a factory of registered baresip phones, stopped after the test.

Without Kamailio or baresip the tests that use them are skipped, or fail when ``CI`` is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.sip.phone import Answer, Phone
from tests.sip.processes import tool
from tests.sip.registrar import Registrar, run_registrar
from tests.sip.rtp import open_capture_socket
from tests.sip.tones import write_tone

TOOLS = ("kamailio", "kamcmd", "baresip")
# Each new phone of a test plays the next of these, unless the test names its tone. 1320 Hz,
# G.711's strongest distortion of 440 Hz (its third harmonic), is left out.
TONES = (440.0, 880.0, 1000.0, 620.0, 1200.0, 1500.0)
INSTALL = "apt-get install -y --no-install-recommends kamailio baresip-core"


def require_sip_tools() -> None:
    """Skip the test when Kamailio or baresip is missing, or packets cannot be captured (fail
    under CI, which has them all)."""
    missing = [name for name in TOOLS if tool(name) is None]
    if missing:
        message = f"the SIP lab needs {', '.join(missing)}: {INSTALL}"
    else:
        try:
            open_capture_socket(1, 1).close()
            return
        except PermissionError:
            message = "the SIP lab captures RTP on lo, which needs CAP_NET_RAW (root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sip_registrar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registrar]:
    """Kamailio (registrar and stateful proxy) for this worker's tests, stopped at the end."""
    require_sip_tools()
    with run_registrar(tmp_path_factory.mktemp("kamailio")) as registrar:
        yield registrar


class PhoneFactory:
    """Makes started, registered phones: ``sip_phones("1001")``, ``sip_phones("+12125550100",
    answer=Answer.BUSY)``; each plays its own tone and is stopped after the test."""

    def __init__(self, registrar: Registrar, folder: Path, tones: Path) -> None:
        self.registrar = registrar
        self.folder = folder
        self.tones = tones
        self.phones: list[Phone] = []

    def __call__(
        self,
        user: str,
        *,
        answer: Answer | str = Answer.AUTO,
        answer_after: float = 0.0,
        tone: float | None = None,
    ) -> Phone:
        if any(phone.user == user for phone in self.phones):
            raise ValueError(f"there is already a phone {user} in this test")
        if tone is None:
            used = {phone.tone for phone in self.phones}
            tone = next((t for t in TONES if t not in used), None)
            if tone is None:
                raise ValueError(f"more than {len(TONES)} phones: give each a tone")
        tone_file = self.tones / f"tone-{tone:g}.wav"
        if not tone_file.exists():
            write_tone(tone_file, tone)
        folder = self.folder / re.sub(r"[^\w.+-]", "_", user)
        phone = Phone(
            user,
            registrar=self.registrar,
            folder=folder,
            tone=tone,
            tone_file=tone_file,
            answer=Answer(answer),
            answer_after=answer_after,
        )
        self.phones.append(phone)
        return phone.start()

    def close(self) -> None:
        for phone in self.phones:
            phone.close()


@pytest.fixture(scope="session")
def sip_tone_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tone WAVs are written, once per worker."""
    return tmp_path_factory.mktemp("tones")


@pytest.fixture
def sip_phones(
    sip_registrar: Registrar, sip_tone_files: Path, tmp_path: Path
) -> Iterator[PhoneFactory]:
    """A factory of phones registered with ``sip_registrar``; all stopped after the test."""
    factory = PhoneFactory(sip_registrar, tmp_path / "phones", sip_tone_files)
    yield factory
    factory.close()
