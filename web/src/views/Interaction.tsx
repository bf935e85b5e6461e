// One interaction: Call Status, the toolbar of legal actions, and the views around the call.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { api, unwrap, type Action, type Agent, type CaseEntry, type Interaction } from "../api/client";
import { callClock, formatElapsed, secondsSince } from "../lib/calltime";
import { caseSentences } from "../lib/history";
import { CALL_STATUS, CALLBACK_TYPE, CHANNELS, DIAL_RESULT, addressLabel, callbackTypeLabel, dispositionName, dispositionNeeded, fieldLabel, label } from "../lib/labels";
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

  const heading = previewing ? "Web Callback Interaction Preview" : web ? "Web Callback Interaction" : "Voice Callback";
  const headingId = `interaction-${i.id}`;
  return (
    <article className="interaction" aria-labelledby={headingId}>
      <header>
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          {heading}: {name}
        </h2>
        <CallStatus interaction={i} history={history.data} skewMs={skewMs} onEmail={(to) => (setEmailTo(to), setDialog("email"))} />
      </header>

      <div role="toolbar" aria-label={previewing ? "Call Preview Actions" : "Call Actions"} aria-busy={busy} className="toolbar">
        <fieldset disabled={busy} className="contents">
        {has("call") && (
          <button type="button" className="primary" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/call")}>
            Call
          </button>
        )}
        {has("end_call") && (
          <button type="button" className="danger" aria-keyshortcuts="Control+Alt+E" title="End Call (Ctrl+Alt+E)" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/end-call")}>
            End Call
          </button>
        )}
        {has("hold") && (
          <button type="button" aria-keyshortcuts="Control+Alt+H" title="Hold (Ctrl+Alt+H)" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/hold")}>
            Hold
          </button>
        )}
        {has("resume") && (
          <button type="button" aria-keyshortcuts="Control+Alt+H" title="Resume (Ctrl+Alt+H)" onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/resume")}>
            Resume
          </button>
        )}
        {has("transfer") && (
          <button type="button" onClick={() => setDialog("transfer")}>
            Instant Call Transfer
          </button>
        )}
        {has("conference") && (
          <button type="button" onClick={() => setDialog("conference")}>
            Instant Call Conference
          </button>
        )}
        {has("send_dtmf") && (
          <button type="button" onClick={() => setDialog("dtmf")}>
            Send DTMF
          </button>
        )}
        {has("start_consultation") && (
          <button type="button" onClick={() => setDialog("consultation")}>
            Start Consultation
          </button>
        )}
        {has("reschedule") && (
          <button type="button" onClick={() => setDialog("reschedule")}>
            {web ? "Schedule a Callback" : "Reschedule a Callback"}
          </button>
        )}
        {has("mark_done") && (
          <button
            type="button"
            className="primary"
            disabled={doneBlocked}
            aria-describedby={doneBlocked ? `${headingId}-blocked` : undefined}
            aria-keyshortcuts="Control+Alt+D"
            title="Mark Done (Ctrl+Alt+D)"
            onClick={() => post("/api/v1/workspace/interactions/{interaction_id}/done")}
          >
            {previewing ? "Done" : "Mark Done"}
          </button>
        )}
        </fieldset>
      </div>
      {doneBlocked && (
        <p id={`${headingId}-blocked`} className="hint warning">
          {dispositionNeeded(previewing ? "Done" : "Mark Done")} for {i.service_name}: choose one under Dispositions.
        </p>
      )}
      {i.state === "transferred" && <p className="hint">The customer is now with someone else. Add a note or a disposition, then Mark Done.</p>}

      {i.consultation && <ConsultationPanel interaction={i} post={post} />}

      <div className="panels">
        <CaseInformation interaction={i} />
        <CallbackInformation interaction={i} />
        {i.contact_id && <ContactCard contactId={i.contact_id} title="Contact" service={i.callback.service} />}
        {has("disposition") && <Dispositions interaction={i} act={act} />}
        {has("note") && <NoteEditor interaction={i} act={act} />}
        <CaseHistory history={history.data} interaction={i} agent={agent} />
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
          <TeamCommunicator
            pickLabel={TARGET_DIALOGS[dialog as keyof typeof TARGET_DIALOGS].title.replace("Instant Call ", "").replace("Start Consultation", "Consult")}
            onPick={async (target) => {
              const path = TARGET_DIALOGS[dialog as keyof typeof TARGET_DIALOGS].path;
              const ok = await act(() => unwrap(api.POST(path, { params: { path: { interaction_id: i.id } }, body: { target } })));
              if (ok) setDialog(null);
            }}
          />
        </Modal>
      )}
      {dialog === "dtmf" && <DtmfKeypad interaction={i} act={act} onClose={() => setDialog(null)} />}
      {dialog === "reschedule" && <RescheduleDialog interaction={i} act={act} title={web ? "Schedule a Callback" : "Reschedule a Callback"} onClose={() => setDialog(null)} />}
      {dialog === "email" && emailTo && <EmailComposer interaction={i} agent={agent} to={emailTo} act={act} onClose={() => setDialog(null)} />}
    </article>
  );
}

function CallStatus({ interaction: i, history, skewMs, onEmail }: { interaction: Interaction; history: CaseEntry[] | null; skewMs: number; onEmail: (to: string) => void }) {
  const [open, setOpen] = useState(false);
  const contact = useLoaded(
    () => (i.contact_id ? unwrap(api.GET("/api/v1/workspace/contacts/{contact_id}", { params: { path: { contact_id: i.contact_id } } })) : Promise.resolve(null)),
    [i.contact_id],
  );
  const emails = contact.data?.emails ?? [];
  const others = Object.entries(i.parties).filter(([, role]) => role === "target" || role === "pending");
  const clock = callClock(i.state, history ?? [], i.updated_at);
  const phone = usePhoneFormat(i.callback.service);
  const who = i.callback.name || phone(i.callback.phone);
  return (
    <div className="call-bar">
      <div className="call-status" role="status" aria-label="Call Status">
        <span className="party">
          {i.callback.name ? (
            <>
              <strong>{i.callback.name}</strong> <PhoneText text={phone(i.callback.phone)} />
            </>
          ) : (
            <strong>
              <PhoneText text={phone(i.callback.phone)} />
            </strong>
          )}
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
        <span className={`call-state state-${i.state}`}>{label(CALL_STATUS, i.state)}</span>
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

function CaseInformation({ interaction: i }: { interaction: Interaction }) {
  const phone = usePhoneFormat(i.callback.service);
  return (
    <section className="panel" aria-label="Case Information">
      <h3>Case Information</h3>
      <dl className="fields">
        {Object.entries(i.preview).map(([key, value]) => (
          <div key={key}>
            <dt>{fieldLabel(key)}</dt>
            <dd>{previewValue(key, value, i, phone)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function CallbackInformation({ interaction: i }: { interaction: Interaction }) {
  const cb = i.callback;
  const agentPreview = useServices().find((s) => s.name === cb.service)?.preview.enabled ?? false;
  const phone = usePhoneFormat(cb.service);
  const customerZone = cb.time_zone ?? i.service_time_zone;
  const desired = inBothZones(cb.desired_time, customerZone, browserZone());
  return (
    <section className="panel" aria-label="Callback Information">
      <h3>Callback Information</h3>
      <dl className="fields">
        <div>
          <dt>Callback type</dt>
          <dd>{callbackTypeLabel(cb.type, i.channel, agentPreview)}</dd>
        </div>
        <div>
          <dt>Desired time</dt>
          <dd>
            <span>Customer: {desired.customer}</span>
            {!desired.same && <span>You: {desired.agent}</span>}
          </dd>
        </div>
        <div>
          <dt>Phone number</dt>
          <dd>
            <PhoneText text={phone(cb.phone)} />
          </dd>
        </div>
        {cb.name && (
          <div>
            <dt>Name</dt>
            <dd>{cb.name}</dd>
          </div>
        )}
        <div>
          <dt>Service</dt>
          <dd>
            {i.service_name} ({label(CHANNELS, i.channel)})
          </dd>
        </div>
        {Object.entries(cb.data).map(([key, value]) => (
          <div key={key}>
            <dt>{fieldLabel(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
        {cb.instructions && (
          <div className="instructions">
            <dt>Instructions</dt>
            <dd>{cb.instructions}</dd>
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
          <li key={index}>
            <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString([], { timeZone: zone })}</time> {sentences[index]}
          </li>
        ))}
      </ol>
    </section>
  );
}
