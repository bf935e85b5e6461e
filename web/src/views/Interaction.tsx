// One interaction: Call Status, the toolbar of legal actions, and the views around the call.
import { CalendarCheck } from "lucide-react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { api, unwrap, type Action, type Agent, type CaseEntry, type Interaction } from "../api/client";
import { callClock, formatElapsed, secondsSince } from "../lib/calltime";
import { caseSentences } from "../lib/history";
import { CALL_STATUS, CALLBACK_TYPE, CHANNELS, DIAL_RESULT, addressLabel, callbackTypeLabel, dispositionName, dispositionNeeded, fieldLabel, label } from "../lib/labels";
import { CallToolbar, type ToolbarCommand } from "./CallToolbar";
import { browserZone, formatInZone, inBothZones, inBothZonesText } from "../lib/time";
import { ContactCard } from "./Contacts";
import type { Act } from "./Desk";
import { Dispositions } from "./Dispositions";
import { DtmfKeypad, EmailComposer, NoteEditor, RescheduleDialog } from "./InteractionDialogs";
import { ResponsesView } from "./Responses";
import { TeamCommunicator } from "./TeamCommunicator";
import { Modal, PhoneText, deskShortcut, useDispositionTree, useLoaded, useNow, usePhoneFormat, useServices } from "./common";

type PostPath =
  | "/api/v1/workspace/interactions/{interaction_id}/call"
  | "/api/v1/workspace/interactions/{interaction_id}/end-call"
  | "/api/v1/workspace/interactions/{interaction_id}/hold"
  | "/api/v1/workspace/interactions/{interaction_id}/resume"
  | "/api/v1/workspace/interactions/{interaction_id}/done"
  | "/api/v1/workspace/interactions/{interaction_id}/consultation/end"
  | "/api/v1/workspace/interactions/{interaction_id}/consultation/complete-transfer"
  | "/api/v1/workspace/interactions/{interaction_id}/consultation/complete-conference";

type TargetPath =
  | "/api/v1/workspace/interactions/{interaction_id}/transfer"
  | "/api/v1/workspace/interactions/{interaction_id}/conference"
  | "/api/v1/workspace/interactions/{interaction_id}/consultation";

type Dialog = null | "transfer" | "conference" | "consultation" | "dtmf" | "reschedule" | "email";

const TARGET_DIALOGS: Record<"transfer" | "conference" | "consultation", { title: string; path: TargetPath }> = {
  transfer: { title: "Instant Call Transfer", path: "/api/v1/workspace/interactions/{interaction_id}/transfer" },
  conference: { title: "Instant Call Conference", path: "/api/v1/workspace/interactions/{interaction_id}/conference" },
  consultation: { title: "Start Consultation", path: "/api/v1/workspace/interactions/{interaction_id}/consultation" },
};

export function InteractionView({
  interaction: i,
  agent,
  act,
  busy,
  skewMs,
  focusHeading = false,
  onFocused,
}: {
  interaction: Interaction;
  agent: Agent;
  act: Act;
  busy: boolean;
  /** Client clock minus server clock: the call's time is read against the server's. */
  skewMs: number;
  /** Take the keyboard focus (just accepted: the notification that had it is gone). */
  focusHeading?: boolean;
  onFocused?: () => void;
}) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [emailTo, setEmailTo] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [confirmation, setConfirmation] = useState<string | null>(null);
  const has = (action: Action) => i.actions.includes(action);
  const post = (path: PostPath) => act(() => unwrap(api.POST(path, { params: { path: { interaction_id: i.id } } })));
  const web = i.channel === "webcallback";
  const previewing = web && i.state === "preview";
  const doneBlocked = has("mark_done") && i.disposition_required && !i.disposition;
  const phone = usePhoneFormat(i.callback.service);
  const name = i.callback.name || phone(i.callback.phone);
  // Read again after every change: Case History shows it, Call Status times the call with it.
  const history = useLoaded(
    () => unwrap(api.GET("/api/v1/workspace/interactions/{interaction_id}/history", { params: { path: { interaction_id: i.id } } })),
    [i.id, i.updated_at],
  );

  const latest = useRef({ i, post, doneBlocked });
  latest.current = { i, post, doneBlocked };
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const key = deskShortcut(event);
      if (key === null) return;
      const { i: now, post: send, doneBlocked: blocked } = latest.current;
      const can = (action: Action) => now.actions.includes(action);
      let path: PostPath | null = null;
      if (key === "h") path = can("hold") ? "/api/v1/workspace/interactions/{interaction_id}/hold" : can("resume") ? "/api/v1/workspace/interactions/{interaction_id}/resume" : null;
      if (key === "e" && can("end_call")) path = "/api/v1/workspace/interactions/{interaction_id}/end-call";
      if (key === "d" && can("mark_done") && !blocked) path = "/api/v1/workspace/interactions/{interaction_id}/done";
      if (path) {
        event.preventDefault();
        void send(path);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusHeading && headingRef.current) {
      headingRef.current.focus();
      onFocused?.();
    }
  }, [focusHeading, onFocused]);

  function command(which: ToolbarCommand) {
    const paths: Partial<Record<ToolbarCommand, PostPath>> = {
      call: "/api/v1/workspace/interactions/{interaction_id}/call",
      end_call: "/api/v1/workspace/interactions/{interaction_id}/end-call",
      hold: "/api/v1/workspace/interactions/{interaction_id}/hold",
      resume: "/api/v1/workspace/interactions/{interaction_id}/resume",
      mark_done: "/api/v1/workspace/interactions/{interaction_id}/done",
    };
    const path = paths[which];
    if (path) {
      void post(path);
    } else {
      setReason("");
      setDialog(which === "dtmf" ? "dtmf" : (which as Dialog));
    }
  }

  const heading = previewing ? "Web Callback Interaction Preview" : web ? "Web Callback Interaction" : "Voice Callback";
  const headingId = `interaction-${i.id}`;
  const scheduleTitle = web ? "Schedule a Callback" : "Reschedule a Callback";
  return (
    <article className="interaction" aria-labelledby={headingId}>
      <header className="case-header">
        <div className="case-title">
          <h2 id={headingId} ref={headingRef} tabIndex={-1}>
            {heading}: {name}
          </h2>
          <CallStatus interaction={i} history={history.data} skewMs={skewMs} onEmail={(to) => (setEmailTo(to), setDialog("email"))} />
        </div>
        {i.handover && <Handover interaction={i} />}
        <div className="case-facts">
          <CaseInformation interaction={i} />
          <CallbackInformation interaction={i} />
        </div>
      </header>

      <CallToolbar actions={i.actions} web={web} previewing={previewing} busy={busy} doneBlocked={doneBlocked} blockedId={`${headingId}-blocked`} onCommand={command} />
      {doneBlocked && (
        <p id={`${headingId}-blocked`} className="hint warning">
          {dispositionNeeded(previewing ? "Done" : "Mark Done")} for {i.service_name}: choose one under Dispositions.
        </p>
      )}
      {confirmation && (
        <p role="status" className="confirmation">
          <CalendarCheck aria-hidden="true" size={18} /> {confirmation}
          <button type="button" className="plain" aria-label="Dismiss confirmation" onClick={() => setConfirmation(null)}>
            ×
          </button>
        </p>
      )}
      {i.state === "transferred" && <p className="hint">The customer is now with someone else. Add a note or a disposition, then Mark Done.</p>}
      {i.state === "joined" && <p className="hint">The call and the callback stay with your colleague. Add a note or a disposition, then Mark Done.</p>}

      {i.consultation && <ConsultationPanel interaction={i} post={post} />}

      <div className="work">
        <div className="work-main">
          {has("disposition") && <Dispositions interaction={i} act={act} busy={busy} />}
          {has("note") && <NoteEditor interaction={i} act={act} />}
        </div>
        <CaseHistory history={history.data} interaction={i} agent={agent} />
      </div>
      <div className="more">
        {i.contact_id && <ContactCard contactId={i.contact_id} title="Contact" service={i.callback.service} known={i.callback} />}
        {previewing && (
          <section className="panel" aria-label="Responses">
            <h3>Responses</h3>
            <ResponsesView interaction={i} />
          </section>
        )}
      </div>

      {dialog !== null && dialog in TARGET_DIALOGS && (
        <Modal title={TARGET_DIALOGS[dialog as keyof typeof TARGET_DIALOGS].title} onClose={() => setDialog(null)}>
          <p>Choose who to {dialog === "transfer" ? "transfer the call to" : dialog === "conference" ? "add to the call" : "consult"}.</p>
          <label>
            Reason (optional, shown to whoever takes the call)
            <input value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          </label>
          <TeamCommunicator
            pickLabel={TARGET_DIALOGS[dialog as keyof typeof TARGET_DIALOGS].title.replace("Instant Call ", "").replace("Start Consultation", "Consult")}
            onPick={async (target) => {
              const path = TARGET_DIALOGS[dialog as keyof typeof TARGET_DIALOGS].path;
              const why = reason.trim() || undefined;
              const ok = await act(() => unwrap(api.POST(path, { params: { path: { interaction_id: i.id } }, body: { target, reason: why } })));
              if (ok) setDialog(null);
            }}
          />
        </Modal>
      )}
      {dialog === "dtmf" && <DtmfKeypad interaction={i} act={act} onClose={() => setDialog(null)} />}
      {dialog === "reschedule" && (
        <RescheduleDialog
          interaction={i}
          act={act}
          title={scheduleTitle}
          onClose={() => setDialog(null)}
          onBooked={(text) => {
            setDialog(null);
            setConfirmation(text);
          }}
        />
      )}
      {dialog === "email" && emailTo && <EmailComposer interaction={i} agent={agent} to={emailTo} act={act} onClose={() => setDialog(null)} />}
    </article>
  );
}

/** Who handed the call over, and why. */
function Handover({ interaction: i }: { interaction: Interaction }) {
  const h = i.handover;
  if (!h) return null;
  const who = h.agent_name || h.agent || "A colleague";
  const why = h.reason ? `: “${h.reason.trim().replace(/\.$/, "")}”.` : ".";
  return (
    <p className="handover">
      {h.how === "conference" ? `${who} brought you into this call${why}` : `${who} transferred this call to you${why}`} Their part of the case is in the Case History.
    </p>
  );
}

/** "Scheduled for Sun 6 Dec, 10:30 GMT-5 (you: 15:30 UTC)" once the callback waits for a new
 * time (after Reschedule); null while it is still in this agent's hands. */
export function scheduledFor(i: Interaction): string | null {
  if (i.callback.state !== "scheduled") return null;
  return `Scheduled for ${inBothZonesText(i.callback.desired_time, i.callback.time_zone ?? i.service_time_zone)}`;
}

function CallStatus({ interaction: i, history, skewMs, onEmail }: { interaction: Interaction; history: CaseEntry[] | null; skewMs: number; onEmail: (to: string) => void }) {
  const [open, setOpen] = useState(false);
  const contact = useLoaded(
    () => (i.contact_id ? unwrap(api.GET("/api/v1/workspace/contacts/{contact_id}", { params: { path: { contact_id: i.contact_id } } })) : Promise.resolve(null)),
    [i.contact_id],
  );
  const emails = contact.data?.emails ?? [];
  const others = Object.entries(i.parties).filter(([, role]) => role === "target" || role === "pending");
  // The call's time is this agent's: a colleague's entries before a hand-over do not count.
  const clock = callClock(i.state, (history ?? []).filter((e) => e.interaction_id === i.id), i.updated_at);
  const phone = usePhoneFormat(i.callback.service);
  const who = i.callback.name || phone(i.callback.phone);
  const scheduled = scheduledFor(i);
  const onCall = ["dialing", "ringing", "connected", "on_hold"].includes(i.state);
  return (
    <div className="call-bar">
      <div className="call-status" role="status" aria-label="Call Status">
        <span className="party">
          {/* The heading names the customer; a nameless one is named by the number there. */}
          {i.callback.name && <PhoneText text={phone(i.callback.phone)} />}
          {i.actions.includes("email") && (
            <span className="party-menu">
              <button type="button" className="plain" aria-haspopup="menu" aria-expanded={open} aria-label={`Party actions for ${who}`} onClick={() => setOpen(!open)}>
                ▾
              </button>
              {open && (
                <ul role="menu" aria-label="Party Action Menu">
                  {emails.length === 0 && (
                    <li role="menuitem" aria-disabled="true">
                      No other channel for this contact
                    </li>
                  )}
                  {emails.map((email) => (
                    <li key={email.address} role="none">
                      <button type="button" role="menuitem" onClick={() => (setOpen(false), onEmail(email.address))}>
                        Send e-mail to {email.address}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </span>
          )}
        </span>
        {scheduled && !onCall ? (
          <span className="call-state state-scheduled">{scheduled}</span>
        ) : (
          <>
            <span className={`call-state state-${i.state}`}>{label(CALL_STATUS, i.state)}</span>
            {scheduled && <span className="scheduled">{scheduled}</span>}
          </>
        )}
        {i.last_result && i.last_result !== "answered" && i.state === "ready_to_call" && <span className="hint">Last call: {label(DIAL_RESULT, i.last_result)}</span>}
        {others.length > 0 && (
          <span className="parties">
            With: {others.map(([address, role]) => `${addressLabel(address, phone)}${role === "pending" ? " (ringing)" : ""}`).join(", ")}
          </span>
        )}
      </div>
      {clock.callSince && <CallTimes callSince={clock.callSince} holdSince={clock.holdSince} skewMs={skewMs} />}
    </div>
  );
}

/** The call's and the hold's time, ticking. Outside the Call Status live region: a screen reader
 * reads them when asked, not every second. */
function CallTimes({ callSince, holdSince, skewMs }: { callSince: string; holdSince: string | null; skewMs: number }) {
  const now = useNow(250);
  return (
    <span className="call-times">
      {holdSince && (
        <span className="hold-time">
          On hold{" "}
          <span role="timer" aria-label="Hold time">
            {formatElapsed(secondsSince(holdSince, now, skewMs))}
          </span>
        </span>
      )}
      <span>
        Call{" "}
        <span role="timer" aria-label="Call time">
          {formatElapsed(secondsSince(callSince, now, skewMs))}
        </span>
      </span>
    </span>
  );
}

function ConsultationPanel({ interaction: i, post }: { interaction: Interaction; post: (path: PostPath) => Promise<boolean> }) {
  const c = i.consultation;
  const phone = usePhoneFormat(i.callback.service);
  if (!c) return null;
  return (
    <section className="consultation panel" aria-label="Consultation">
      <h3>Consultation with {addressLabel(c.target, phone)}</h3>
      <p>
        {c.state === "connected" ? "Connected: the customer is on hold and cannot hear you." : "Calling the target… the customer is on hold."}
      </p>
      <div role="toolbar" aria-label="Consultation Actions" className="toolbar">
        {c.actions.includes("end_consultation") && (
          <button type="button" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/consultation/end")}>
            End Consultation
          </button>
        )}
        {c.actions.includes("complete_transfer") && (
          <button type="button" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/consultation/complete-transfer")}>
            Complete Transfer
          </button>
        )}
        {c.actions.includes("complete_conference") && (
          <button type="button" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/consultation/complete-conference")}>
            Complete Conference
          </button>
        )}
      </div>
    </section>
  );
}

/** Why the customer asked: what the web form or the IVR gathered, and the instructions. */
function CaseInformation({ interaction: i }: { interaction: Interaction }) {
  const data = Object.entries(i.callback.data);
  return (
    <section className="facts case-information" aria-label="Case Information">
      <h3 className="visually-hidden">Case Information</h3>
      {data.length === 0 && !i.callback.instructions && <p className="hint">No details came with the request.</p>}
      {data.length > 0 && (
        <dl className="inline-fields">
          {data.map(([key, value]) => (
            <div key={key}>
              <dt>{fieldLabel(key)}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {i.callback.instructions && (
        <p className="instructions">
          <strong>Instructions</strong> {i.callback.instructions}
        </p>
      )}
    </section>
  );
}

/** What kind of callback: the service, the type (or its new time), the desired time, attempts. */
function CallbackInformation({ interaction: i }: { interaction: Interaction }) {
  const cb = i.callback;
  const agentPreview = useServices().find((s) => s.name === cb.service)?.preview.enabled ?? false;
  const customerZone = cb.time_zone ?? i.service_time_zone;
  const desired = inBothZones(cb.desired_time, customerZone, browserZone());
  const scheduled = scheduledFor(i);
  return (
    <section className="facts" aria-label="Callback Information">
      <h3 className="visually-hidden">Callback Information</h3>
      <dl className="inline-fields">
        <div>
          <dt>Service</dt>
          <dd>
            {i.service_name} ({label(CHANNELS, i.channel)})
          </dd>
        </div>
        <div>
          <dt>Callback type</dt>
          <dd>{scheduled ?? callbackTypeLabel(cb.type, i.channel, agentPreview)}</dd>
        </div>
        {!scheduled && (
          <div>
            <dt>Desired time</dt>
            <dd>
              <span>Customer: {desired.customer}</span>
              {!desired.same && <span> · You: {desired.agent}</span>}
            </dd>
          </div>
        )}
        <div>
          <dt>Attempts</dt>
          <dd>
            {cb.attempts} of {cb.max_attempts}
          </dd>
        </div>
      </dl>
    </section>
  );
}

/** A preview field's value as the agent reads it (offer and Case Information alike). */
export function previewValue(key: string, value: unknown, i: Interaction, phone: (number: string) => string): ReactNode {
  if (value === null || value === undefined || value === "") return "—";
  if (key === "type") return label(CALLBACK_TYPE, String(value));
  if (key === "desired_time") return inBothZonesText(String(value), i.callback.time_zone ?? i.service_time_zone);
  if (key === "phone") return <PhoneText text={phone(String(value))} />;
  return String(value);
}

function CaseHistory({ history, interaction: i, agent }: { history: CaseEntry[] | null; interaction: Interaction; agent: Agent }) {
  const phone = usePhoneFormat(i.callback.service);
  const tree = useDispositionTree();
  const zone = browserZone();
  const entries = history ?? [];
  const sentences = caseSentences(entries, {
    me: { login: agent.login, place: agent.place },
    customer: { name: i.callback.name, phone: i.callback.phone },
    phone,
    when: (iso) => formatInZone(iso, zone),
    disposition: (code) => dispositionName(tree, code),
    interactionId: i.id,
  });
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    // The newest entry is the one the agent wants to see.
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [history]);
  return (
    <section className="panel" aria-label="Case History">
      <h3>Case History</h3>
      <ol className="history" ref={list}>
        {entries.map((entry, index) => (
          <li key={index} className={entry.interaction_id !== i.id ? "earlier" : undefined}>
            <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString([], { timeZone: zone })}</time> {sentences[index]}
          </li>
        ))}
      </ol>
    </section>
  );
}
