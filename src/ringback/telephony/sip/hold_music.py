"""The hold music customers hear while the agent holds them: a few bars of soft sine chords.

``hold_music.wav`` beside this module is what :func:`compose` makes, written by
``python -m ringback.telephony.sip.hold_music`` (8 kHz, 16-bit, mono, the rate of G.711). It is
made of plain tones, so it is free of any right; ``hold_music`` in the SIP settings names another
file instead.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

PACKAGED = Path(__file__).with_name("hold_music.wav")
RATE = 8000
AMPLITUDE = 0.25  # of full scale, the whole chord together
NOTE_SECONDS = 0.25
# Four chords (C, A minor, F, G major), two seconds each, their notes played in turn over the
# chord's root. All well below 600 Hz: nothing that a DTMF detector or the lab's tones mistake.
CHORDS: tuple[tuple[float, ...], ...] = (
    (130.81, 261.63, 329.63, 392.00),
    (110.00, 220.00, 261.63, 329.63),
    (87.31, 174.61, 220.00, 261.63),
    (98.00, 196.00, 246.94, 293.66),
)
CHORD_SECONDS = 2.0


def compose() -> list[int]:
    """The samples of the hold music, one loop of it."""
    samples: list[int] = []
    notes_per_chord = round(CHORD_SECONDS / NOTE_SECONDS)
    note_length = round(NOTE_SECONDS * RATE)
    for root, *notes in CHORDS:
        for index in range(notes_per_chord):
            note = notes[index % len(notes)]
            for n in range(note_length):
                t = len(samples) / RATE
                attack = min(1.0, n / (0.02 * RATE))
                decay = math.exp(-3.0 * n / note_length)
                value = 0.35 * math.sin(2 * math.pi * root * t)
                value += 0.65 * attack * decay * math.sin(2 * math.pi * note * t)
                samples.append(round(AMPLITUDE * 32767 * value))
    # The loop's last chord fades out so that its start does not click.
    fade = round(0.05 * RATE)
    for n in range(fade):
        samples[-1 - n] = round(samples[-1 - n] * n / fade)
    return samples


def write(path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        samples = compose()
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGED))
