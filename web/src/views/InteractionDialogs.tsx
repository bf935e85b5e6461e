// The dialogs and editors an interaction opens: DTMF keypad, Reschedule, Note, E-mail.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api, unwrap, type Agent, type Interaction } from "../api/client";
import { editorFocused, editorGone } from "../lib/insert";
import { freeText, slotDays, type PartKey } from "../lib/slots";
import { browserZone, inBothZonesText, wallTimeToUtc } from "../lib/time";
import type { Act } from "./Desk";
import { ErrorText, Modal, useLoaded } from "./common";

// The picker offers the next week's slots; farther dates go through "Other time".
const SLOT_DAYS = 7;
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

export function DtmfKeypad({ interaction: i, act, onClose }: { interaction: Interaction; act: Act; onClose: () => void }) {
  const [digits, setDigits] = useState("");
  const valid = /^[0-9*#A-D]{1,32}$/.test(digits);
  async function send(event: FormEvent) {
    event.preventDefault();
    if (await act(() => unwrap(api.POST("/api/v1/workspace/interactions/{interaction_id}/dtmf", { params: { path: { interaction_id: i.id } }, body: { digits } })))) onClose();
  }
  return (
    <Modal title="Send DTMF" onClose={onClose}>
      <form onSubmit={send} className="keypad">
        <label>
          Digits
          <input autoFocus inputMode="tel" value={digits} maxLength={32} onChange={(e) => setDigits(e.target.value.toUpperCase().replace(/[^0-9*#A-D]/g, ""))} />
        </label>
        <div className="keys" role="group" aria-label="Keypad">
          {KEYS.map((key) => (
            <button key={key} type="button" onClick={() => setDigits((d) => (d + key).slice(0, 32))}>
              {key}
            </button>
          ))}
        </div>
        <p className="hint">The digits are sent on the call and written to the case history.</p>
        <button type="submit" className="primary" disabled={!valid}>
          Send
        </button>
      </form>
    </Modal>
  );
}

export function RescheduleDialog({
  interaction: i,
  act,
  title,
  onClose,
  onBooked,
}: {
  interaction: Interaction;
  act: Act;
  title: string;
  onClose: () => void;
  /** Booked: the confirmation to show, in words. */
  onBooked: (confirmation: string) => void;
}) {
  const customerZone = i.callback.time_zone ?? i.service_time_zone;
  const agentZone = browserZone();
  const [personal, setPersonal] = useState(false);
  const [wall, setWall] = useState("");
  const [zone, setZone] = useState(customerZone);
  const [dayKey, setDayKey] = useState<string | null>(null);
  const [partKey, setPartKey] = useState<PartKey | null>(null);
  const availability = useLoaded(
    () => unwrap(api.GET("/api/v1/workspace/services/{service}/availability", { params: { path: { service: i.callback.service }, query: { days: SLOT_DAYS } } })),
    [i.callback.service],
  );
  const days = useMemo(() => slotDays(availability.data?.slots ?? [], customerZone, agentZone), [availability.data, customerZone, agentZone]);
  const day = days.find((d) => d.key === dayKey) ?? days[0];
  const part = day?.parts.find((p) => p.key === partKey) ?? day?.parts[0];

  async function book(desired: Date) {
    let answer: Interaction | null = null;
    const ok = await act(async () => {
      answer = await unwrap(api.POST("/api/v1/workspace/interactions/{interaction_id}/reschedule", { params: { path: { interaction_id: i.id } }, body: { desired_time: desired.toISOString(), personal } }));
      return answer;
    });
    if (ok && answer) {
      const booked = answer as Interaction;
      const when = inBothZonesText(booked.callback.desired_time, customerZone, agentZone);
      onBooked(`Callback scheduled for ${when}${personal ? ", as your personal callback" : ""}.`);
    }
  }

  return (
    <Modal title={title} onClose={onClose}>
      <label className="inline">
        <input type="checkbox" checked={personal} onChange={(e) => setPersonal(e.target.checked)} /> Personal callback (keep it for me)
      </label>
      <ErrorText error={availability.error} />
      {day && part ? (
        <div className="slots" aria-label="Open slots">
          <p className="hint">
            Open slots, in the customer's time ({customerZone}){customerZone !== agentZone ? ` and yours (${agentZone})` : ""}.
          </p>
          <fieldset className="choice-row">
            <legend>Day</legend>
            {days.map((d) => (
              <label key={d.key} className={`chip${d.key === day.key ? " chosen" : ""}`}>
                <input type="radio" name="slot-day" checked={d.key === day.key} onChange={() => (setDayKey(d.key), setPartKey(null))} />
                {d.label} <small>{d.free} open</small>
              </label>
            ))}
          </fieldset>
          {day.parts.length > 1 && (
            <fieldset className="choice-row">
              <legend>Time of day</legend>
              {day.parts.map((p) => (
                <label key={p.key} className={`chip${p.key === part.key ? " chosen" : ""}`}>
                  <input type="radio" name="slot-part" checked={p.key === part.key} onChange={() => setPartKey(p.key)} />
                  {p.label} <small>{p.hours}</small>
                </label>
              ))}
            </fieldset>
          )}
          <div role="group" aria-label={`${day.label}, ${part.label}`} className="slot-list">
            {part.times.map((time) => (
              <button key={time.start} type="button" aria-label={`${time.customer}${time.agent ? ` (you: ${time.agent})` : ""}, ${freeText(time)}`} onClick={() => book(new Date(time.start))}>
                <span className="slot-time">{time.customer}</span>
                {time.agent && <small>you: {time.agent}</small>}
                <small className="free">{freeText(time)}</small>
              </button>
            ))}
          </div>
        </div>
      ) : (
        availability.data && <p className="hint">This service books no slots: choose a time in its open hours.</p>
      )}
      <form
        className="other-time"
        onSubmit={(event) => {
          event.preventDefault();
          if (wall) void book(wallTimeToUtc(wall, zone));
        }}
      >
        <label>
          Other time
          <input type="datetime-local" value={wall} onChange={(e) => setWall(e.target.value)} required />
        </label>
        <label>
          Time zone
          <select value={zone} onChange={(e) => setZone(e.target.value)}>
            <option value={customerZone}>Customer ({customerZone})</option>
            {agentZone !== customerZone && <option value={agentZone}>Mine ({agentZone})</option>}
          </select>
        </label>
        <button type="submit">Reschedule at this time</button>
      </form>
    </Modal>
  );
}

/** A text box that takes "Insert" from the Responses view. */
function useInsertable(setText: (update: (text: string) => string) => void) {
  const insert = useMemo(() => (text: string) => setText((current) => (current ? `${current}\n${text}` : text)), [setText]);
  useEffect(() => () => editorGone(insert), [insert]);
  return () => editorFocused(insert);
}

/** A note not yet added, kept per interaction for the browser tab: switching interactions or
 * reloading the page does not lose it. */
function useDraft(key: string): [string, (update: string | ((text: string) => string)) => void] {
  const [text, setText] = useState(() => sessionStorage.getItem(key) ?? "");
  useEffect(() => {
    if (text) sessionStorage.setItem(key, text);
    else sessionStorage.removeItem(key);
  }, [key, text]);
  return [text, setText];
}

export function NoteEditor({ interaction: i, act }: { interaction: Interaction; act: Act }) {
  const [text, setText] = useDraft(`ringback.note.${i.id}`);
  const onFocus = useInsertable(setText);
  async function save(event: FormEvent) {
    event.preventDefault();
    if (await act(() => unwrap(api.POST("/api/v1/workspace/interactions/{interaction_id}/note", { params: { path: { interaction_id: i.id } }, body: { text } })))) setText("");
  }
  return (
    <section className="panel" aria-label="Note">
      <form onSubmit={save}>
        <label>
          <h3>Note</h3>
          <textarea rows={3} maxLength={4000} value={text} onFocus={onFocus} onChange={(e) => setText(e.target.value)} placeholder="Attach a note to the case history" />
        </label>
        <button type="submit" disabled={!text.trim()}>
          Add note
        </button>
      </form>
    </section>
  );
}

export function EmailComposer({ interaction: i, agent, to, act, onClose }: { interaction: Interaction; agent: Agent; to: string; act: Act; onClose: () => void }) {
  const [subject, setSubject] = useState(`Your callback with ${i.service_name}`);
  const [body, setBody] = useState(`Hello ${i.callback.name ?? ""},\n\n\n\n${agent.name}\n${i.service_name}`);
  const onFocus = useInsertable(setBody);
  async function send(event: FormEvent) {
    event.preventDefault();
    if (await act(() => unwrap(api.POST("/api/v1/workspace/interactions/{interaction_id}/email", { params: { path: { interaction_id: i.id } }, body: { to, subject, body } })))) onClose();
  }
  return (
    <Modal title="New e-mail" onClose={onClose}>
      <form onSubmit={send} className="email">
        <p>To: {to}</p>
        <label>
          Subject
          <input value={subject} onChange={(e) => setSubject(e.target.value)} required />
        </label>
        <label>
          Message
          <textarea rows={10} value={body} onFocus={onFocus} onChange={(e) => setBody(e.target.value)} required />
        </label>
        <button type="submit" className="primary">
          Send e-mail
        </button>
      </form>
    </Modal>
  );
}
