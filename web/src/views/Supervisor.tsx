// The supervisor's live view: queues per service, the callbacks waiting, and every agent.
import { useEffect, useState } from "react";
import { api, unwrap, type Agent, type Schemas } from "../api/client";
import { formatSeconds } from "../lib/countdown";
import { AGENT_STATUS, CALL_STATUS, CALLBACK_STATE, CALLBACK_TYPE, CHANNELS, label, statusReason } from "../lib/labels";
import { messageOf } from "../lib/problems";
import { EventStream, type Connection } from "../lib/stream";
import { browserZone, formatInZone } from "../lib/time";
import { ErrorText, Modal, PhoneText, useNotReadyReasons, usePhoneFormat, usePhones } from "./common";

type Queue = Schemas["QueueRead"];
type Waiting = Schemas["WaitingCallbackRead"];
type Supervised = Schemas["SupervisedAgentRead"];

const POLL_MS = 2000;

export function Supervisor({ agent, onSignedOut }: { agent: Agent; onSignedOut: (why?: string) => void }) {
  const [queues, setQueues] = useState<Queue[]>([]);
  const [waiting, setWaiting] = useState<Waiting[]>([]);
  const [agents, setAgents] = useState<Supervised[]>([]);
  const [service, setService] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [round, setRound] = useState(0);
  const [cancelling, setCancelling] = useState<Waiting | null>(null);
  const zone = browserZone();
  const phone = usePhones();
  const reasons = useNotReadyReasons();
  // Codes and logins are shown by their names.
  const serviceName = (code: string) => queues.find((q) => q.service === code)?.display_name ?? code;
  const agentName = (login: string) => agents.find((a) => a.login === login)?.name ?? login;

  useEffect(() => {
    let live = true;
    Promise.all([
      unwrap(api.GET("/api/v1/workspace/supervisor/queues")),
      unwrap(api.GET("/api/v1/workspace/supervisor/callbacks", { params: { query: service ? { service, limit: 200 } : { limit: 200 } } })),
      unwrap(api.GET("/api/v1/workspace/supervisor/agents")),
    ])
      .then(([q, w, a]) => {
        if (!live) return;
        setQueues(q);
        setWaiting(w);
        setAgents(a);
        setError(null);
      })
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    const timer = setTimeout(() => setRound((r) => r + 1), POLL_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [round, service]);

  useEffect(() => {
    // Agents' status changes arrive at once on the stream; queues follow on the next poll.
    const stream = new EventStream({
      onEvent: (event) => {
        if (event.topic === "agent.status") setRound((r) => r + 1);
      },
      onConnection: (next) => {
        setConnection(next);
        if (next === "ended") onSignedOut("Your session has ended. Please sign in again.");
      },
    });
    stream.start();
    return () => stream.stop();
  }, [onSignedOut]);

  async function change(work: () => Promise<unknown>) {
    try {
      await work();
      setError(null);
      setRound((r) => r + 1);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  async function signOut() {
    try {
      await unwrap(api.DELETE("/api/v1/workspace/session"));
      onSignedOut();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  const header = (
    <header className="topbar">
      <span className="brand">Ringback · Supervisor</span>
      <span className="agent">{agent.name}</span>
      <nav aria-label="Pages">
        <a href="/">My desk</a>
        <button type="button" className="plain" onClick={() => void signOut()}>
          Sign out
        </button>
      </nav>
    </header>
  );
  if (!agent.roles.includes("supervisor") && !agent.roles.includes("admin")) {
    return (
      <div className="supervisor">
        {header}
        <p role="alert">This page is for supervisors.</p>
      </div>
    );
  }

  return (
    <div className="supervisor">
      {header}
      {connection === "lost" && (
        <div role="alert" className="banner">
          Live updates interrupted. Reconnecting…
        </div>
      )}
      <ErrorText error={error} />
      <section aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        <table aria-label="Queues">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Channel</th>
              <th scope="col">Waiting</th>
              <th scope="col">Offered</th>
              <th scope="col">Scheduled</th>
              <th scope="col">Oldest wait</th>
              <th scope="col">Next scheduled</th>
              <th scope="col">Agents ready (free)</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.service} data-service={q.service}>
                <th scope="row">{q.display_name}</th>
                <td>{label(CHANNELS, q.channel)}</td>
                <td data-column="waiting">{q.waiting}</td>
                <td data-column="offered">{q.offered}</td>
                <td data-column="scheduled">{q.scheduled}</td>
                <td>{q.oldest_wait_seconds === null ? "—" : formatSeconds(q.oldest_wait_seconds)}</td>
                <td>{q.next_scheduled_at ? formatInZone(q.next_scheduled_at, zone) : "—"}</td>
                <td>
                  {q.agents_ready} ({q.agents_free})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="waiting-title">
        <h2 id="waiting-title">Waiting callbacks</h2>
        <label>
          Service
          <select value={service} onChange={(e) => setService(e.target.value)}>
            <option value="">All services</option>
            {queues.map((q) => (
              <option key={q.service} value={q.service}>
                {q.display_name}
              </option>
            ))}
          </select>
        </label>
        <table aria-label="Waiting callbacks">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Service</th>
              <th scope="col">State</th>
              <th scope="col">Type</th>
              <th scope="col">Since / due</th>
              <th scope="col">Priority</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {waiting.map((cb) => (
              <WaitingRow key={cb.id} callback={cb} zone={zone} serviceName={serviceName} agentName={agentName} onCancel={() => setCancelling(cb)} onPriority={(priority) => change(() => unwrap(api.PUT("/api/v1/workspace/supervisor/callbacks/{callback_id}/priority", { params: { path: { callback_id: cb.id } }, body: { priority } })))} />
            ))}
          </tbody>
        </table>
        {waiting.length === 0 && <p className="hint">No callback is waiting.</p>}
      </section>

      <section aria-labelledby="agents-title">
        <h2 id="agents-title">Agents</h2>
        <table aria-label="Agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Place</th>
              <th scope="col">Voice</th>
              <th scope="col">Web Callback</th>
              <th scope="col">In hand</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id} data-agent={a.login}>
                <th scope="row">
                  {a.name} <small>{a.login}</small>
                </th>
                <td>{a.place}</td>
                {["voice", "webcallback"].map((channel) => {
                  const s = a.statuses.find((x) => x.channel === channel);
                  return (
                    <td key={channel} data-column={channel}>
                      {s ? `${label(AGENT_STATUS, s.status)}${s.busy ? " · Busy" : ""}${s.status === "not_ready" && s.reason ? ` (${statusReason(s.reason, reasons)})` : ""}` : "—"}
                    </td>
                  );
                })}
                <td>{a.interaction ? `${a.interaction.name || phone(a.interaction.phone, a.interaction.service)} · ${label(CALL_STATUS, a.interaction.state)}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {cancelling && (
        <CancelDialog
          callback={cancelling}
          onClose={() => setCancelling(null)}
          onCancel={async (reason) => {
            await change(() => unwrap(api.POST("/api/v1/workspace/supervisor/callbacks/{callback_id}/cancel", { params: { path: { callback_id: cancelling.id } }, body: { reason: reason || null } })));
            setCancelling(null);
          }}
        />
      )}
    </div>
  );
}

function WaitingRow({
  callback: cb,
  zone,
  serviceName,
  agentName,
  onCancel,
  onPriority,
}: {
  callback: Waiting;
  zone: string;
  serviceName: (code: string) => string;
  agentName: (login: string) => string;
  onCancel: () => void;
  onPriority: (priority: number) => void;
}) {
  const [priority, setPriority] = useState(String(cb.priority));
  useEffect(() => setPriority(String(cb.priority)), [cb.priority]);
  const when = cb.state === "scheduled" ? cb.due_at : cb.queued_at;
  const phone = usePhoneFormat(cb.service);
  const who = cb.name || phone(cb.phone);
  return (
    <tr data-callback={cb.id}>
      <th scope="row">
        {who}{" "}
        <small>
          <PhoneText text={phone(cb.phone)} />
        </small>
      </th>
      <td>{serviceName(cb.service)}</td>
      <td>
        {label(CALLBACK_STATE, cb.state)}
        {cb.offered_to ? ` to ${agentName(cb.offered_to)}` : ""}
        {cb.reserved_for ? ` (personal callback of ${agentName(cb.reserved_for)})` : ""}
      </td>
      <td>{label(CALLBACK_TYPE, cb.type)}</td>
      <td>{when ? formatInZone(when, zone) : "—"}</td>
      <td>
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            onPriority(Number(priority));
          }}
        >
          <input type="number" aria-label={`Priority of ${who}`} value={priority} onChange={(e) => setPriority(e.target.value)} min={0} max={100} step={1} />
          <button type="submit" disabled={priority === String(cb.priority) || priority === ""}>
            Set
          </button>
          {cb.effective_priority !== null && <small> now {Math.round(cb.effective_priority)}</small>}
        </form>
      </td>
      <td>
        <button type="button" className="danger" aria-label={`Cancel the callback for ${who}`} onClick={onCancel}>
          Cancel
        </button>
      </td>
    </tr>
  );
}

function CancelDialog({ callback, onClose, onCancel }: { callback: Waiting; onClose: () => void; onCancel: (reason: string) => void }) {
  const [reason, setReason] = useState("");
  return (
    <Modal title="Cancel the callback" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onCancel(reason);
        }}
      >
        <p>
          Cancel the callback for {callback.name || callback.phone}? The customer will not be called. If it is on an agent's screen, the offer is withdrawn.
        </p>
        <label>
          Reason (optional)
          <input value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="submit" className="danger">
          Cancel the callback
        </button>
        <button type="button" onClick={onClose}>
          Keep it
        </button>
      </form>
    </Modal>
  );
}
