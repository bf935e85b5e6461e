// How the desk alerts the agent to an offer: the ring, the browser notification, the tab's title.
import { CHANNELS, label } from "./labels";

export type RingTone = "phone" | "chime" | "beeps";

export type AlertSettings = {
  /** Ring while an offer waits for an answer. */
  ring: boolean;
  tone: RingTone;
  /** A browser notification when the desk's tab is hidden (the browser must allow it too). */
  notify: boolean;
};

export const DEFAULT_ALERTS: AlertSettings = { ring: true, tone: "phone", notify: false };

/** Where the settings are kept: in this browser, for whoever signs in on it. */
export const ALERTS_KEY = "ringback.alerts";

/** One note of a ring: frequencies sounded together, from `start` for `duration` (seconds). */
export type Note = { frequencies: number[]; start: number; duration: number };

/** The tones an agent can choose from, each one ring of about a second, repeated every `every` seconds. */
export const RING_TONES: Record<RingTone, { label: string; every: number; notes: Note[] }> = {
  // The North American ring: 440 and 480 Hz together, twice.
  phone: {
    label: "Phone",
    every: 4,
    notes: [
      { frequencies: [440, 480], start: 0, duration: 0.4 },
      { frequencies: [440, 480], start: 0.6, duration: 0.4 },
    ],
  },
  chime: {
    label: "Chime",
    every: 4,
    notes: [
      { frequencies: [880], start: 0, duration: 0.25 },
      { frequencies: [660], start: 0.25, duration: 0.25 },
      { frequencies: [523.25], start: 0.5, duration: 0.5 },
    ],
  },
  beeps: {
    label: "Beeps",
    every: 3,
    notes: [
      { frequencies: [1000], start: 0, duration: 0.12 },
      { frequencies: [1000], start: 0.2, duration: 0.12 },
      { frequencies: [1000], start: 0.4, duration: 0.12 },
    ],
  },
};

/** The stored settings, with the defaults for anything missing or not understood. */
export function readAlertSettings(stored: string | null): AlertSettings {
  let parsed: unknown;
  try {
    parsed = stored === null ? null : JSON.parse(stored);
  } catch {
    parsed = null;
  }
  if (!parsed || typeof parsed !== "object") return { ...DEFAULT_ALERTS };
  const raw = parsed as Record<string, unknown>;
  return {
    ring: typeof raw.ring === "boolean" ? raw.ring : DEFAULT_ALERTS.ring,
    tone: typeof raw.tone === "string" && Object.hasOwn(RING_TONES, raw.tone) ? (raw.tone as RingTone) : DEFAULT_ALERTS.tone,
    notify: typeof raw.notify === "boolean" ? raw.notify : DEFAULT_ALERTS.notify,
  };
}

type Offered = { channel: string; callback: { name?: string | null; phone: string } };

/** Who is offered, as the agent reads it: the customer's name, or their number. */
export function offerWho(offer: Offered, phone: (number: string) => string = (n) => n): string {
  return offer.callback.name || phone(offer.callback.phone);
}

/** The tab's title: "(1) Offer: Web Callback – Dana – Ringback" while offers wait (the oldest
 * named), the page's own title otherwise. */
export function offerTitle(pending: Offered[], base: string, phone?: (number: string) => string): string {
  const oldest = pending[0];
  if (!oldest) return base;
  return `(${pending.length}) Offer: ${label(CHANNELS, oldest.channel)} – ${offerWho(oldest, phone)} – ${base}`;
}
