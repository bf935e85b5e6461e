// The supervisor's live view: queues per service against their thresholds, notices when a
// queue crosses one, charts of the last hours, the callbacks waiting (filtered, sorted, paged),
// and every agent.
import { lazy, Suspense, useEffect, useState } from "react";
import { api, unwrap, type Agent, type Schemas } from "../api/client";
import { AGENT_STATUS, CALL_STATUS, CALLBACK_STATE, CALLBACK_TYPE, CHANNELS, label, statusReason } from "../lib/labels";
import { messageOf } from "../lib/problems";
import { EventStream, type Connection } from "../lib/stream";
import {
  AGE_CHOICES,
  crossingText,
  durationText,
  explainPriority,
  LEVEL_LABEL,
  pageRange,
  risenQueues,
  SORT_LABEL,
  waitingQuery,
  type Level,
  type Notice,
  type WaitingFilters,
  type WaitingSort,
} from "../lib/supervisor";
import { browserZone, formatInZone } from "../lib/time";
import { ErrorText, Modal, PhoneText, useNotReadyReasons, usePhoneFormat, usePhones } from "./common";
import { SupervisorHeader, SupervisorsOnly } from "./SupervisorHeader";
import "../supervisor.css";

type Queue = Schemas["QueueRead"];
type Waiting = Schemas["WaitingCallbackRead"];
type Supervised = Schemas["SupervisedAgentRead"];

// Chart.js comes with the charts only: the agent's desk never loads it.
const QueueCharts = lazy(() => import("./SupervisorCharts").then((m) => ({ default: m.QueueCharts })));

const POLL_MS = 2000;
const PAGE_SIZE = 25;
const WAITING_STATES = ["queued", "offered", "scheduled"] as const;

export function Supervisor({ agent, onSignedOut }: { agent: Agent; onSignedOut: (why?: string) => void }) {
  const [queues, setQueues] = useState<Queue[]>([]);
  const [waiting, setWaiting] = useState<Waiting[]>([]);
  const [total, setTotal] = useState(0);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  // The cursor of each page seen so far: [null] is the first page.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [agents, setAgents] = useState<Supervised[]>([]);
  const [filters, setFilters] = useState<WaitingFilters>({ service: "", state: "", minWaitSeconds: 0, sort: "waiting" });
  const [notices, setNotices] = useState<(Notice & { id: number })[]>([]);
  const [acknowledged, setAcknowledged] = useState<Record<string, Level>>({});
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

  const pageCursor = cursors[cursors.length - 1] ?? null;
  const supervisor = agent.roles.includes("supervisor") || agent.roles.includes("admin");

  useEffect(() => {
    // Anyone else is told the page is not theirs, and the supervisor API is not asked.
    if (!supervisor) return;
    let live = true;
    Promise.all([
      unwrap(api.GET("/api/v1/workspace/supervisor/queues")),
      unwrap(api.GET("/api/v1/workspace/supervisor/callbacks", { params: { query: waitingQuery(filters, PAGE_SIZE, pageCursor) } })),
      unwrap(api.GET("/api/v1/workspace/supervisor/agents")),
    ])
      .then(([q, w, a]) => {
        if (!live) return;
        setQueues(q);
        setWaiting(w.items);
        setTotal(w.total);
        setNextCursor(w.next_cursor);
        setAgents(a);
        setError(null);
      })
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    const timer = setTimeout(() => setRound((r) => r + 1), POLL_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [supervisor, round, filters, pageCursor]);

  useEffect(() => {
    // A queue that crosses a threshold raises a notice once, until it is back to OK.
    const { notices: risen, remembered } = risenQueues(acknowledged, queues);
    if (risen.length > 0) setNotices((shown) => [...shown.filter((n) => !risen.some((r) => r.service === n.service)), ...risen.map((n) => ({ ...n, id: Date.now() + Math.random() }))]);
    if (JSON.stringify(remembered) !== JSON.stringify(acknowledged)) setAcknowledged(remembered);
  }, [queues]);

  useEffect(() => {
    // The tab says when a queue is over a limit, for a supervisor working in another tab.
    const over = queues.filter((q) => q.level !== "ok");
    const breach = over.some((q) => q.level === "breach");
    document.title = over.length > 0 ? `(${over.length}) ${breach ? "Breach" : "Warning"} – Ringback` : "Ringback";
  }, [queues]);

  function filter(change: Partial<WaitingFilters>) {
    setFilters((current) => ({ ...current, ...change }));
    setCursors([null]);
  }

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

  const header = (
    <SupervisorHeader
      title="Supervisor"
      agent={agent}
      other={supervisor ? { href: "/reports", label: "Reports" } : null}
      onSignedOut={onSignedOut}
      onError={setError}
    />
  );
  if (!supervisor) return <SupervisorsOnly className="supervisor" header={header} />;

  return (
    <div className="supervisor">
      {header}
      {connection === "lost" && (
        <div role="alert" className="banner">
          Live updates interrupted. Reconnecting…
        </div>
      )}
      <ErrorText error={error} />
      {notices.length > 0 && (
        <section aria-label="Notices" className="sv-notices">
          {notices.map((n) => (
            <div key={n.id} role="alert" className={`sv-notice sv-notice-${n.level}`} data-service={n.service}>
              <span>{n.text}</span>
              <button type="button" className="plain" onClick={() => setNotices((shown) => shown.filter((x) => x.id !== n.id))} aria-label={`Dismiss the notice about ${serviceName(n.service)}`}>
                Dismiss
              </button>
            </div>
          ))}
        </section>
      )}
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
              <th scope="col">Late</th>
              <th scope="col">Next scheduled</th>
              <th scope="col">Agents ready (free)</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.service} data-service={q.service} data-level={q.level} className={`sv-level-${q.level}`}>
                <th scope="row">{q.display_name}</th>
                <td>{label(CHANNELS, q.channel)}</td>
                <td data-column="waiting">{q.waiting}</td>
                <td data-column="offered">{q.offered}</td>
                <td data-column="scheduled">{q.scheduled}</td>
                <td data-column="oldest-wait">{q.oldest_wait_seconds === null ? "—" : durationText(q.oldest_wait_seconds)}</td>
                <td data-column="late">{q.late}</td>
                <td>{q.next_scheduled_at ? formatInZone(q.next_scheduled_at, zone) : "—"}</td>
                <td>
                  {q.agents_ready} ({q.agents_free})
                </td>
                <td data-column="status" title={limitsText(q)}>
                  <span className={`sv-badge sv-badge-${q.level}`}>{LEVEL_LABEL[q.level]}</span>
                  {q.crossings.map((c) => (
                    <small key={c.measure} className="sv-crossing">
                      {crossingText(c)}
                    </small>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <Suspense fallback={<p className="hint">Loading the charts…</p>}>
        <QueueCharts zone={zone} />
      </Suspense>

      <section aria-labelledby="waiting-title">
        <h2 id="waiting-title">Waiting callbacks</h2>
        <form role="search" aria-label="Filter the waiting callbacks" className="sv-filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Service
            <select value={filters.service} onChange={(e) => filter({ service: e.target.value })}>
              <option value="">All services</option>
              {queues.map((q) => (
                <option key={q.service} value={q.service}>
                  {q.display_name}
                </option>
              ))}
            </select>
          </label>
          <label>
            State
            <select value={filters.state} onChange={(e) => filter({ state: e.target.value })}>
              <option value="">All not yet taken</option>
              {WAITING_STATES.map((s) => (
                <option key={s} value={s}>
                  {label(CALLBACK_STATE, s)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Waiting longer than
            <select value={filters.minWaitSeconds} onChange={(e) => filter({ minWaitSeconds: Number(e.target.value) })}>
              {AGE_CHOICES.map((c) => (
                <option key={c.seconds} value={c.seconds}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sort by
            <select value={filters.sort} onChange={(e) => filter({ sort: e.target.value as WaitingSort })}>
              {(Object.keys(SORT_LABEL) as WaitingSort[]).map((s) => (
                <option key={s} value={s}>
                  {SORT_LABEL[s]}
                </option>
              ))}
            </select>
          </label>
        </form>
        <table aria-label="Waiting callbacks">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Service</th>
              <th scope="col">State</th>
              <th scope="col">Type</th>
              <th scope="col">Waiting since / due</th>
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
        {waiting.length === 0 && <p className="hint">{total === 0 && isUnfiltered(filters) ? "No callback is waiting." : "No waiting callback matches these filters."}</p>}
        <nav aria-label="Pages of waiting callbacks" className="sv-pager">
          <span role="status">{pageRange((cursors.length - 1) * PAGE_SIZE, waiting.length, total)}</span>
          <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous page
          </button>
          <button type="button" disabled={nextCursor === null} onClick={() => nextCursor && setCursors((c) => [...c, nextCursor])}>
            Next page
          </button>
        </nav>
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
  const why = explainPriority(cb);
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
      <td data-column="since">
        {when ? formatInZone(when, zone) : "—"}
        {cb.wait_seconds !== null && <small> ({durationText(cb.wait_seconds)})</small>}
        {cb.late && <span className="sv-badge sv-badge-warning">Late</span>}
      </td>
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
        </form>
        {why && (
          <small className="sv-why" title={why.long} data-column="effective-priority">
            Now {why.now} = {why.short}
          </small>
        )}
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

function isUnfiltered(filters: WaitingFilters): boolean {
  return !filters.service && !filters.state && filters.minWaitSeconds === 0;
}

/** The limits a queue is held to, as its status cell's tooltip. */
function limitsText(q: Queue): string {
  const t = q.thresholds;
  const parts: string[] = [];
  const limit = (warning: number, breach: number, show: (n: number) => string) =>
    [warning ? `warning at ${show(warning)}` : "", breach ? `breach at ${show(breach)}` : ""].filter(Boolean).join(", ") || "not watched";
  parts.push(`Oldest wait: ${limit(t.oldest_wait_warning_seconds, t.oldest_wait_breach_seconds, durationText)}.`);
  parts.push(`Late callbacks (still waiting ${durationText(t.late_after_seconds)} after the time asked for): ${limit(t.late_warning, t.late_breach, String)}.`);
  return parts.join(" ");
}
