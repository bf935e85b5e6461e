// The agent's main window: My Status, notifications, the interactions on the desk, side views.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { api, unwrap, type Agent, type ChannelStatus, type Interaction } from "../api/client";
import { clockSkewMs } from "../lib/countdown";
import { deskReducer, emptyDesk, keepShown, offers, openInteractions } from "../lib/desk";
import { CALL_STATUS, CHANNELS, label } from "../lib/labels";
import { ApiProblem, messageOf } from "../lib/problems";
import { EventStream, type Connection } from "../lib/stream";
import { AlertSettingsDialog, useAlertSettings, useOfferAlerts } from "./Alerts";
import { ContactDirectory } from "./Contacts";
import { deskShortcut, usePhoneFormat } from "./common";
import { EmptyDesk } from "./EmptyDesk";
import { InteractionView } from "./Interaction";
import { MyHistory } from "./MyHistory";
import { MyStatus } from "./MyStatus";
import { Notification } from "./Notification";
import { ResponsesView } from "./Responses";
import { TeamCommunicator } from "./TeamCommunicator";

type Side = "team" | "contacts" | "responses" | "history";
const SIDES: [Side, string][] = [
  ["team", "Team Communicator"],
  ["contacts", "Contact Directory"],
  ["responses", "Responses"],
  ["history", "My History"],
];

export type Act = (work: () => Promise<Interaction | unknown>) => Promise<boolean>;
export type Answer = (offer: Interaction, how: "accept" | "reject") => Promise<boolean>;

export function Desk({ agent, onSignedOut }: { agent: Agent; onSignedOut: (why?: string) => void }) {
  // Known from the start: a supervisor's stream carries every agent's events.
  const [state, dispatch] = useReducer(deskReducer, { ...emptyDesk, agentId: agent.id });
  const [connection, setConnection] = useState<Connection>("connecting");
  const [skew, setSkew] = useState(Number.POSITIVE_INFINITY);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [side, setSide] = useState<Side>("team");
  const [alerts, setAlerts] = useAlertSettings();
  const [settingsOpen, setSettingsOpen] = useState(false);
  // The interaction just accepted here: the keyboard focus goes to it once it is on screen.
  const [focusId, setFocusId] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [me, desk] = await Promise.all([
        unwrap(api.GET("/api/v1/workspace/me")),
        unwrap(api.GET("/api/v1/workspace/interactions")),
      ]);
      dispatch({ type: "loaded", agentId: me.agent.id, statuses: me.statuses, interactions: desk });
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, []);

  useEffect(() => {
    const stream = new EventStream({
      onEvent: (event, receivedAt) => {
        dispatch({ type: "event", event });
        // The smallest gap seen is the closest to the true clock difference.
        setSkew((known) => Math.min(known, clockSkewMs(event.at, receivedAt)));
      },
      onConnection: (next) => {
        setConnection(next);
        if (next === "ended") onSignedOut("Your session has ended. Please sign in again.");
      },
      onOpen: () => void reload(),
    });
    stream.start();
    return () => stream.stop();
  }, [reload, onSignedOut]);

  // One request at a time: a double click (or a key held down) does not send an action twice.
  const sending = useRef(false);
  const [busy, setBusy] = useState(false);
  const act: Act = useCallback(async (work) => {
    if (sending.current) return false;
    sending.current = true;
    setBusy(true);
    setError(null);
    try {
      const answer = await work();
      if (answer && typeof answer === "object" && "callback" in answer && "actions" in answer) {
        dispatch({ type: "interaction", interaction: answer as Interaction });
      } else if (answer && typeof answer === "object" && "statuses" in answer) {
        dispatch({ type: "statuses", statuses: (answer as { statuses: ChannelStatus[] }).statuses });
      }
      return true;
    } catch (failure) {
      if (failure instanceof ApiProblem && failure.problem.status === 401) {
        onSignedOut(failure.message);
      } else {
        setError(messageOf(failure));
      }
      return false;
    } finally {
      sending.current = false;
      setBusy(false);
    }
  }, [onSignedOut]);

  const answer: Answer = useCallback(
    async (offer, how) => {
      const path = how === "accept" ? "/api/v1/workspace/interactions/{interaction_id}/accept" : "/api/v1/workspace/interactions/{interaction_id}/reject";
      const ok = await act(() => unwrap(api.POST(path, { params: { path: { interaction_id: offer.id } } })));
      if (ok && how === "accept") {
        setSelected(offer.id);
        setFocusId(offer.id);
      }
      return ok;
    },
    [act],
  );

  const pending = offers(state);
  const open = openInteractions(state);
  // The agent's interaction stays on screen until they pick another: one that arrives later
  // (a transfer) is announced, and does not take its place or an unsaved note with it.
  const shownId = keepShown(open, selected);
  const current = open.find((i) => i.id === shownId) ?? null;
  useEffect(() => {
    if (shownId !== selected) setSelected(shownId);
  }, [shownId, selected]);
  const skewMs = Number.isFinite(skew) ? skew : 0;
  useOfferAlerts(pending, alerts, skewMs);
  const offerShortcut = useRef(pending[0]);
  offerShortcut.current = pending[0];

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const key = deskShortcut(event);
      const offer = offerShortcut.current;
      if (offer && (key === "a" || key === "r")) {
        event.preventDefault();
        void answer(offer, key === "a" ? "accept" : "reject");
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [answer]);

  async function signOut() {
    const ok = await act(() => unwrap(api.DELETE("/api/v1/workspace/session")));
    if (ok) onSignedOut();
  }

  const supervisor = agent.roles.includes("supervisor") || agent.roles.includes("admin");
  return (
    <div className="desk">
      <header className="topbar">
        <span className="brand">Ringback</span>
        <span className="agent" aria-label="Signed in as">
          {agent.name} <small>place {agent.place}</small>
        </span>
        <MyStatus statuses={state.statuses} act={act} skewMs={skewMs} />
        <nav aria-label="Pages">
          {supervisor && <a href="/supervisor">Supervisor</a>}
          <button type="button" className="plain" aria-haspopup="dialog" onClick={() => setSettingsOpen(true)}>
            Settings
          </button>
          <button type="button" className="plain" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      {connection === "lost" && (
        <div role="alert" className="banner">
          Connection to the server lost. Reconnecting… your calls continue and nothing is missed.
        </div>
      )}
      {error && (
        <div role="alert" className="banner error">
          {error}
          <button type="button" className="plain" aria-label="Dismiss error" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      <section className="notices" aria-live="polite" aria-label="Messages">
        {state.notices.map((notice) => (
          <p key={notice.key} className={`notice ${notice.kind}`}>
            <span>{notice.text}</span>
            {notice.interactionId && notice.interactionId !== current?.id && open.some((i) => i.id === notice.interactionId) && (
              <button type="button" className="link" onClick={() => (setSelected(notice.interactionId ?? null), dispatch({ type: "dismiss", key: notice.key }))}>
                Open it
              </button>
            )}
            <button type="button" className="plain" aria-label="Dismiss message" onClick={() => dispatch({ type: "dismiss", key: notice.key })}>
              ×
            </button>
          </p>
        ))}
      </section>
      <section className="offers" aria-label="Interaction notifications">
        {pending.map((offer) => (
          <Notification key={offer.id} offer={offer} answer={answer} busy={busy} skewMs={skewMs} />
        ))}
      </section>
      <div className="workarea">
        <main className="interactions">
          {open.length === 0 ? (
            <EmptyDesk statuses={state.statuses} offers={pending.map((offer) => offer.id).join(",")} />
          ) : (
            <>
              <div role="tablist" aria-label="My interactions" className="tabs">
                {open.map((interaction) => (
                  <button
                    key={interaction.id}
                    role="tab"
                    type="button"
                    aria-selected={interaction.id === current?.id}
                    onClick={() => setSelected(interaction.id)}
                  >
                    <TabName interaction={interaction} />
                    <small>
                      {label(CHANNELS, interaction.channel)} · {label(CALL_STATUS, interaction.state)}
                    </small>
                  </button>
                ))}
              </div>
              {current && (
                <InteractionView
                  key={current.id}
                  interaction={current}
                  agent={agent}
                  act={act}
                  busy={busy}
                  skewMs={skewMs}
                  focusHeading={focusId === current.id}
                  onFocused={() => setFocusId(null)}
                />
              )}
            </>
          )}
        </main>
        <aside className="side" aria-label="Tools">
          <div role="tablist" aria-label="Tools" className="tabs">
            {SIDES.map(([key, title]) => (
              <button key={key} role="tab" type="button" aria-selected={side === key} onClick={() => setSide(key)}>
                {title}
              </button>
            ))}
          </div>
          <div role="tabpanel" aria-label={SIDES.find(([key]) => key === side)?.[1]}>
            {side === "team" && <TeamCommunicator refresh={current?.updated_at} />}
            {side === "contacts" && <ContactDirectory />}
            {side === "responses" && <ResponsesView interaction={current} />}
            {side === "history" && <MyHistory />}
          </div>
        </aside>
      </div>
      {settingsOpen && <AlertSettingsDialog settings={alerts} onChange={setAlerts} onClose={() => setSettingsOpen(false)} />}
    </div>
  );
}

function TabName({ interaction: i }: { interaction: Interaction }) {
  const phone = usePhoneFormat(i.callback.service);
  return <>{i.callback.name || phone(i.callback.phone)}</>;
}
