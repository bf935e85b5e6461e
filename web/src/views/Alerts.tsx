// Offers the agent cannot miss: a ring, a browser notification while the tab is hidden, the
// tab's title; and the settings where the agent turns them on or off.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Interaction } from "../api/client";
import { ALERTS_KEY, RING_TONES, offerTitle, offerWho, readAlertSettings, type AlertSettings, type RingTone } from "../lib/alerts";
import { secondsLeft } from "../lib/countdown";
import { CHANNELS, label } from "../lib/labels";
import { startRinging, unlockAudio } from "../lib/ringer";
import { Modal } from "./common";

const RING_AT_MOST_SECONDS = 120;

/** The agent's alert settings, kept in this browser (and followed across its tabs). */
export function useAlertSettings(): [AlertSettings, (next: AlertSettings) => void] {
  const [settings, setSettings] = useState(() => readAlertSettings(localStorage.getItem(ALERTS_KEY)));
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === ALERTS_KEY) setSettings(readAlertSettings(event.newValue));
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);
  const change = useCallback((next: AlertSettings) => {
    localStorage.setItem(ALERTS_KEY, JSON.stringify(next));
    setSettings(next);
  }, []);
  return [settings, change];
}

/** Ring, notify and retitle the tab while offers wait for an answer. */
export function useOfferAlerts(pending: Interaction[], settings: AlertSettings, skewMs: number): void {
  const latest = useRef({ pending, skewMs });
  latest.current = { pending, skewMs };
  const key = pending.map((offer) => offer.id).join(",");

  // The title names the oldest offer; the page's own title comes back once none waits.
  const base = useRef(document.title);
  useEffect(() => {
    document.title = offerTitle(latest.current.pending, base.current);
  }, [key]);
  useEffect(() => {
    const title = base.current;
    return () => {
      document.title = title;
    };
  }, []);

  // The audio can start only after a gesture on the page: take the first one.
  useEffect(() => {
    const unlock = () => unlockAudio();
    window.addEventListener("pointerdown", unlock, { once: true });
    window.addEventListener("keydown", unlock, { once: true });
    return () => {
      window.removeEventListener("pointerdown", unlock);
      window.removeEventListener("keydown", unlock);
    };
  }, []);

  // A new offer rings (again, if others still wait) until the last offer's deadline.
  useEffect(() => {
    const { pending: offers, skewMs: skew } = latest.current;
    if (!settings.ring || offers.length === 0) return;
    const now = Date.now();
    const seconds = Math.max(...offers.map((offer) => (offer.offer_expires_at ? secondsLeft(offer.offer_expires_at, now, skew) : RING_AT_MOST_SECONDS)));
    return startRinging(settings.tone, Math.min(seconds, RING_AT_MOST_SECONDS));
  }, [key, settings.ring, settings.tone]);

  // One browser notification per offer, only while the tab is hidden, closed when the offer ends.
  const shown = useRef(new Map<string, Notification>());
  const notified = useRef(new Set<string>());
  useEffect(() => {
    const notify = () => {
      if (!settings.notify || !document.hidden || !notificationsAllowed()) return;
      for (const offer of latest.current.pending) {
        if (notified.current.has(offer.id)) continue;
        notified.current.add(offer.id);
        const note = new Notification(`Offer: ${label(CHANNELS, offer.channel)} – ${offerWho(offer)}`, {
          body: `${offer.service_name}. Answer it in Ringback.`,
          tag: `ringback-offer-${offer.id}`,
          requireInteraction: true,
        });
        note.onclick = () => {
          window.focus();
          note.close();
        };
        shown.current.set(offer.id, note);
      }
    };
    const waiting = new Set(latest.current.pending.map((offer) => offer.id));
    for (const [id, note] of shown.current) {
      if (!waiting.has(id)) {
        note.close();
        shown.current.delete(id);
      }
    }
    notify();
    document.addEventListener("visibilitychange", notify);
    return () => document.removeEventListener("visibilitychange", notify);
  }, [key, settings.notify]);
  useEffect(() => {
    const open = shown.current;
    return () => {
      for (const note of open.values()) note.close();
    };
  }, []);
}

function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

/** The settings menu: ring on or off, its tone, browser notifications. */
export function AlertSettingsDialog({ settings, onChange, onClose }: { settings: AlertSettings; onChange: (next: AlertSettings) => void; onClose: () => void }) {
  const [refused, setRefused] = useState<string | null>(null);

  async function setNotify(on: boolean) {
    setRefused(null);
    if (!on) return onChange({ ...settings, notify: false });
    if (typeof Notification === "undefined") return setRefused("This browser cannot show notifications.");
    const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
    if (permission === "granted") onChange({ ...settings, notify: true });
    else setRefused("Your browser does not allow notifications from this page: allow them in its site settings, then try again.");
  }

  return (
    <Modal title="Settings" onClose={onClose}>
      <fieldset className="settings">
        <legend>New offers</legend>
        <label className="inline">
          <input type="checkbox" checked={settings.ring} onChange={(e) => onChange({ ...settings, ring: e.target.checked })} />
          Ring until I answer
        </label>
        <div className="tone">
          <label>
            Ring tone
            <select value={settings.tone} disabled={!settings.ring} onChange={(e) => onChange({ ...settings, tone: e.target.value as RingTone })}>
              {Object.entries(RING_TONES).map(([value, tone]) => (
                <option key={value} value={value}>
                  {tone.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!settings.ring} onClick={() => startRinging(settings.tone, 1)}>
            Play
          </button>
        </div>
        <label className="inline">
          <input type="checkbox" checked={settings.notify} onChange={(e) => void setNotify(e.target.checked)} />
          Show a browser notification when Ringback is not the tab in view
        </label>
        {refused && (
          <p role="alert" className="error">
            {refused}
          </p>
        )}
        <p className="hint">The tab's title shows a waiting offer. These settings are kept in this browser.</p>
      </fieldset>
    </Modal>
  );
}
