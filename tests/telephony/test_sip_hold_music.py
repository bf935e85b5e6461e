"""The packaged hold music is the one its script makes: tones, 8 kHz mono, not too loud."""

from __future__ import annotations

import struct
import wave

from ringback.telephony.sip import hold_music


def test_the_packaged_file_is_what_compose_makes() -> None:
    with wave.open(str(hold_music.PACKAGED), "rb") as packaged:
        assert (packaged.getnchannels(), packaged.getsampwidth(), packaged.getframerate()) == (
            1,
            2,
            8000,
        )
        frames = packaged.readframes(packaged.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    composed = hold_music.compose()

    assert len(samples) == len(composed) == 8 * 8000
    # Rounding may differ by one step from one maths library to another.
    assert max(abs(a - b) for a, b in zip(samples, composed, strict=True)) <= 1
    assert max(abs(sample) for sample in samples) <= 0.26 * 32767
    # It loops without a click: both ends are quiet.
    assert abs(samples[-1]) < 100
    assert abs(samples[0]) < 100
