"""Tones for the phones to play, and the measure of which tones a recording holds.

Each phone of the lab plays its own sine tone as its microphone; a test tells who hears whom by
measuring the strength of each tone in what a phone received. A tone's level is its amplitude as
a fraction of full scale (a tone written at 0.3 measures about 0.3 after G.711), read from one
Hann-windowed DFT bin at exactly that frequency, so 440, 880 and 1000 Hz do not mask each other
in windows of a tenth of a second or longer.
"""

from __future__ import annotations

import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 8000  # G.711's rate: what the phones record and play
TONE_AMPLITUDE = 0.3
# A tone that is heard measures near TONE_AMPLITUDE; one that is not heard stays under the noise
# of G.711 (about 0.002 for a 0.3 tone beside it). The thresholds leave a wide margin both ways.
PRESENT = 0.05
ABSENT = 0.01


@dataclass(frozen=True)
class Audio:
    """Mono samples in -1..1 at ``rate`` samples a second."""

    samples: npt.NDArray[np.float64]
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def between(self, start: float, end: float | None = None) -> Audio:
        """The part from ``start`` to ``end`` seconds (the end of the audio when None)."""
        first = max(0, round(start * self.rate))
        last = len(self.samples) if end is None else max(first, round(end * self.rate))
        return Audio(self.samples[first:last], self.rate)

    def windows(self, seconds: float) -> Iterator[Audio]:
        """Consecutive whole windows of ``seconds`` each (a shorter tail is left out)."""
        size = round(seconds * self.rate)
        for first in range(0, len(self.samples) - size + 1, size):
            yield Audio(self.samples[first : first + size], self.rate)

    def level(self, frequency: float) -> float:
        """The amplitude of ``frequency`` in this audio (0 for no audio at all)."""
        count = len(self.samples)
        if count == 0:
            return 0.0
        window = np.hanning(count) if count > 1 else np.ones(1)
        phase = np.exp(-2j * np.pi * frequency * np.arange(count) / self.rate)
        return float(2 * abs(np.dot(self.samples * window, phase)) / window.sum())

    def levels(self, frequencies: Iterable[float]) -> dict[float, float]:
        """The amplitude of each frequency."""
        return {frequency: self.level(frequency) for frequency in frequencies}

    def rms(self) -> float:
        """The overall loudness (root mean square), 0 for silence or no audio."""
        if len(self.samples) == 0:
            return 0.0
        return float(np.sqrt(np.mean(self.samples**2)))

    def has_tone(self, frequency: float) -> bool:
        """Whether ``frequency`` is clearly there (at least PRESENT)."""
        return self.level(frequency) >= PRESENT

    def lacks_tone(self, frequency: float) -> bool:
        """Whether ``frequency`` is clearly not there (under ABSENT)."""
        return self.level(frequency) < ABSENT

    def levels_over_time(self, frequency: float, window: float = 0.1) -> list[float]:
        """The amplitude of ``frequency`` in each consecutive window of ``window`` seconds."""
        return [part.level(frequency) for part in self.windows(window)]


def write_tone(
    path: Path,
    frequency: float,
    *,
    seconds: float = 300.0,
    amplitude: float = TONE_AMPLITUDE,
    rate: int = RATE,
) -> Path:
    """A WAV of one sine tone; long, as baresip's file source stops the call's audio at its end."""
    time = np.arange(round(seconds * rate)) / rate
    return write_wav(path, Audio(amplitude * np.sin(2 * np.pi * frequency * time), rate))


def write_wav(path: Path, audio: Audio) -> Path:
    """Write mono 16-bit samples as a WAV."""
    samples = np.round(np.clip(audio.samples, -1, 32767 / 32768) * 32768).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(audio.rate)
        out.writeframes(samples.tobytes())
    return path


def read_wav(path: Path) -> Audio:
    """The samples of a mono 16-bit WAV."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError(f"{path} is not mono 16-bit")
        data = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    return Audio(np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768, rate)
