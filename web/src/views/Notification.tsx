// Interaction Notification: what is offered, Accept / Reject, and the countdown.
import { useEffect, useRef } from "react";
import type { Interaction } from "../api/client";
import { formatSeconds, secondsLeft } from "../lib/countdown";
import { CALLBACK_KIND, callbackTypeLabel, fieldLabel, label } from "../lib/labels";
import type { Answer } from "./Desk";
import { previewValue } from "./Interaction";
import { useNow, usePhoneFormat, useServices } from "./common";

export function Notification({ offer, answer, busy, skewMs }: { offer: Interaction; answer: Answer; busy: boolean; skewMs: number }) {
  const now = useNow(250);
  const agentPreview = useServices().find((s) => s.name === offer.callback.service)?.preview.enabled ?? false;
  const phone = usePhoneFormat(offer.callback.service);
  const accept = useRef<HTMLButtonElement>(null);
  const focused = useRef(false);
  useEffect(() => {
    // Focus Accept once it can take it (it is disabled while another request is in flight).
    if (!busy && !focused.current && accept.current) {
      accept.current.focus();
      focused.current = true;
    }
  }, [busy]);
  const total = offer.offer_expires_at && offer.created_at ? Math.max(1, Math.round((Date.parse(offer.offer_expires_at) - Date.parse(offer.created_at)) / 1000)) : 1;
  const left = offer.offer_expires_at ? secondsLeft(offer.offer_expires_at, now, skewMs) : null;
  const titleId = `offer-${offer.id}`;

  return (
    <article role="alertdialog" aria-labelledby={titleId} aria-describedby={`${titleId}-timeout`} className="notification">
      <h2 id={titleId}>
        {label(CALLBACK_KIND, offer.channel)}: {offer.callback.name || phone(offer.callback.phone)}
      </h2>
      <p className="meta">
        {offer.service_name} · {callbackTypeLabel(offer.callback.type, offer.channel, agentPreview)}
      </p>
      <dl className="fields">
        {Object.entries(offer.preview).map(([key, value]) => (
          <div key={key}>
            <dt>{fieldLabel(key)}</dt>
            <dd>{previewValue(key, value, offer, phone)}</dd>
          </div>
        ))}
      </dl>
      {left !== null && (
        <div className="countdown">
          <span role="timer" aria-label="Time left to answer">
            {formatSeconds(left)}
          </span>
          <progress max={total} value={left} aria-hidden="true" />
        </div>
      )}
      <p id={`${titleId}-timeout`} className="hint">
        If you do nothing: {offer.on_offer_timeout ?? "it returns to the queue"}.
      </p>
      <div className="buttons" aria-busy={busy}>
        <button ref={accept} type="button" className="accept" disabled={busy} aria-keyshortcuts="Control+Alt+A" title="Accept (Ctrl+Alt+A)" onClick={() => answer(offer, "accept")}>
          Accept
        </button>
        <button type="button" className="reject" disabled={busy} aria-keyshortcuts="Control+Alt+R" title="Reject (Ctrl+Alt+R)" onClick={() => answer(offer, "reject")}>
          Reject
        </button>
      </div>
    </article>
  );
}
