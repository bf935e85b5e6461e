// The ring, made with the Web Audio API: the page loads nothing but its own code, so no sound file.
import { RING_TONES, type RingTone } from "./alerts";

const VOLUME = 0.2;
const FADE = 0.01; // seconds: a note that starts or stops at full level clicks

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (typeof AudioContext === "undefined") return null;
  context ??= new AudioContext();
  // Browsers hold audio until the agent has done something on the page; a gesture resumes it.
  if (context.state === "suspended") void context.resume().catch(() => undefined);
  return context;
}

/** Called on the agent's clicks and keys, so the first ring is heard even after a reload. */
export function unlockAudio(): void {
  audio();
}

/** Ring now, and again every few seconds for `seconds` (scheduled on the audio clock, which a
 * hidden tab does not slow down as it does timers). The function returned stops it. */
export function startRinging(tone: RingTone, seconds: number): () => void {
  const ctx = audio();
  if (!ctx) return () => undefined;
  const { every, notes } = RING_TONES[tone];
  const out = ctx.createGain();
  out.gain.value = VOLUME;
  out.connect(ctx.destination);
  const oscillators: OscillatorNode[] = [];
  const begin = ctx.currentTime + 0.05;
  const rings = Math.max(1, Math.ceil(seconds / every));
  for (let ring = 0; ring < rings; ring++) {
    for (const note of notes) {
      const at = begin + ring * every + note.start;
      const end = at + note.duration;
      const level = 1 / note.frequencies.length;
      const envelope = ctx.createGain();
      envelope.gain.setValueAtTime(0, at);
      envelope.gain.linearRampToValueAtTime(level, at + FADE);
      envelope.gain.setValueAtTime(level, end - FADE);
      envelope.gain.linearRampToValueAtTime(0, end);
      envelope.connect(out);
      for (const frequency of note.frequencies) {
        const oscillator = ctx.createOscillator();
        oscillator.frequency.value = frequency;
        oscillator.connect(envelope);
        oscillator.start(at);
        oscillator.stop(end);
        oscillators.push(oscillator);
      }
    }
  }
  return () => {
    for (const oscillator of oscillators) oscillator.stop();
    out.disconnect();
  };
}
