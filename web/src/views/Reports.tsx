// The supervisors' reports: a date range (typed or quick), a step, filters; then each report of
// the Reports API as a chart with the same numbers in a table beside it, and a CSV download.
// The page prints: controls and navigation are left off, each chart and its table on one block.
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { api, unwrap, type Agent, type Schemas } from "../api/client";
import type { paths } from "../api/schema";
import { DIAL_RESULT, label } from "../lib/labels";
import { messageOf } from "../lib/problems";
import {
  BUCKET_LABEL,
  bucketLabels,
  csvHref,
  heatColours,
  percentText,
  presetRange,
  PRESET_LABEL,
  queryFor,
  rangeProblem,
  REQUEST_CHANNEL,
  reportQuery,
  reportZone,
  secondsText,
  treeRows,
  WEEKDAY_LABEL,
  type Bucket,
  type Preset,
  type ReportFilters,
  type ReportName,
  type ReportQuery,
} from "../lib/reports";
import { browserZone } from "../lib/time";
import { ErrorText } from "./common";
import { cssColour, ReportChart, type Series } from "./ReportChart";
import { SupervisorHeader, SupervisorsOnly } from "./SupervisorHeader";
import "../supervisor.css";
import "../reports.css";

type CallbackReport = Schemas["CallbackReportRead"];
type CallbackBucket = Schemas["CallbackBucketRead"];
type HandlingReport = Schemas["HandlingReportRead"];
type DispositionReport = Schemas["DispositionReportRead"];
type AnswerRateReport = Schemas["AnswerRateReportRead"];
type Query<P extends keyof paths> = paths[P] extends { get: { parameters: { query: infer Q } } } ? Q : never;

const BUCKETS: Bucket[] = ["15min", "hour", "day", "week"];
const PRESETS: Preset[] = ["today", "yesterday", "last7", "thisMonth", "lastMonth"];
const EMPTY = "Nothing to show for this range and these filters.";

interface Loaded<T> {
  data: T | null;
  error: string | null;
}

/** One report, asked again whenever its query changes; the last answer wins. */
function useReport<T>(load: (() => Promise<T>) | null, key: string): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null });
  useEffect(() => {
    setState({ data: null, error: null });
    if (!load) return;
    let live = true;
    load()
      .then((data) => live && setState({ data, error: null }))
      .catch((failure: unknown) => live && setState({ data: null, error: messageOf(failure) }));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state;
}

export default function Reports({ agent, onSignedOut }: { agent: Agent; onSignedOut: (why?: string) => void }) {
  const supervisor = agent.roles.includes("supervisor") || agent.roles.includes("admin");
  const own = browserZone();
  const [services, setServices] = useState<Schemas["AgentServiceRead"][]>([]);
  const [queues, setQueues] = useState<string[]>([]);
  const [agents, setAgents] = useState<Schemas["SupervisedAgentRead"][]>([]);
  const [listsError, setListsError] = useState<string | null>(null);
  const [filters, setFilters] = useState<ReportFilters>(() => ({ ...presetRange("last7", new Date(), own), bucket: "day", service: "", queue: "", agent: "", channel: "" }));

  useEffect(() => {
    // Anyone else is told the page is not theirs, and no report is asked for.
    if (!supervisor) return;
    Promise.all([
      unwrap(api.GET("/api/v1/workspace/services")),
      unwrap(api.GET("/api/v1/workspace/supervisor/queues")),
      unwrap(api.GET("/api/v1/workspace/supervisor/agents")),
    ])
      .then(([s, q, a]) => {
        setServices(s);
        setQueues([...new Set(q.map((x) => x.queue))].sort());
        setAgents(a);
      })
      .catch((failure: unknown) => setListsError(messageOf(failure)));
  }, [supervisor]);

  const zone = reportZone(services, filters.service, own);
  const problem = rangeProblem(filters);
  const query = useMemo(() => (problem || !supervisor ? null : reportQuery(filters, zone)), [filters, zone, problem, supervisor]);
  const key = JSON.stringify(query);
  // The API also answers in CSV: these pages ask for JSON, so the answer is the report.
  const ask = <T,>(report: ReportName, get: (q: never) => Promise<unknown>) => (query ? () => get(queryFor(report, query) as never) as Promise<T> : null);
  const callbacks = useReport<CallbackReport>(
    ask("callbacks", (q: Query<"/api/v1/reports/callbacks">) => unwrap(api.GET("/api/v1/reports/callbacks", { params: { query: q } }))),
    key,
  );
  const handling = useReport<HandlingReport>(
    ask("handling", (q: Query<"/api/v1/reports/handling">) => unwrap(api.GET("/api/v1/reports/handling", { params: { query: q } }))),
    key,
  );
  const dispositions = useReport<DispositionReport>(
    ask("dispositions", (q: Query<"/api/v1/reports/dispositions">) => unwrap(api.GET("/api/v1/reports/dispositions", { params: { query: q } }))),
    key,
  );
  const answers = useReport<AnswerRateReport>(
    ask("answer-rate", (q: Query<"/api/v1/reports/answer-rate">) => unwrap(api.GET("/api/v1/reports/answer-rate", { params: { query: q } }))),
    key,
  );

  function change(next: Partial<ReportFilters>) {
    setFilters((current) => ({ ...current, ...next }));
  }

  const header = (
    <SupervisorHeader
      title="Reports"
      agent={agent}
      other={supervisor ? { href: "/supervisor", label: "Supervisor" } : null}
      onSignedOut={onSignedOut}
      onError={setListsError}
    />
  );
  if (!supervisor) return <SupervisorsOnly className="supervisor reports" header={header} />;

  const serviceName = (code: string | null | undefined) => services.find((s) => s.name === code)?.display_name ?? code ?? "";
  const agentName = (login: string) => agents.find((a) => a.login === login)?.name ?? login;
  const scope = [
    filters.service ? serviceName(filters.service) : "All services",
    filters.queue ? `queue ${filters.queue}` : "",
    filters.agent ? agentName(filters.agent) : "",
    filters.channel ? label(REQUEST_CHANNEL, filters.channel) : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const chosenPreset = PRESETS.find((p) => {
    const range = presetRange(p, new Date(), zone);
    return range.from === filters.from && range.to === filters.to;
  });

  return (
    <div className="supervisor reports">
      {header}
      <main>
        <h1 className="rp-title">Reports</h1>
        <p className="rp-scope" data-testid="report-scope">
          {filters.from === filters.to ? filters.from : `${filters.from} to ${filters.to}`} · {scope} · per {BUCKET_LABEL[filters.bucket].toLowerCase()} · times in{" "}
          <strong>{callbacks.data?.scope.time_zone ?? zone}</strong>
        </p>
        <form role="search" aria-label="Report filters" className="rp-controls sv-filters" onSubmit={(e) => e.preventDefault()}>
          <fieldset className="rp-range">
            <legend>Range ({zone})</legend>
            <label>
              From
              <input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => change({ from: e.target.value })} />
            </label>
            <label>
              To
              <input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => change({ to: e.target.value })} />
            </label>
            <div role="group" aria-label="Quick ranges" className="rp-presets">
              {PRESETS.map((p) => (
                <button key={p} type="button" aria-pressed={chosenPreset === p} onClick={() => change(presetRange(p, new Date(), zone))}>
                  {PRESET_LABEL[p]}
                </button>
              ))}
            </div>
          </fieldset>
          <label>
            Step
            <select value={filters.bucket} onChange={(e) => change({ bucket: e.target.value as Bucket })}>
              {BUCKETS.map((b) => (
                <option key={b} value={b}>
                  {BUCKET_LABEL[b]}
                </option>
              ))}
            </select>
          </label>
          <FilterSelect label="Service" all="All services" value={filters.service} options={services.map((s) => ({ value: s.name, text: s.display_name }))} onChange={(service) => change({ service })} />
          <FilterSelect label="Queue" all="All queues" value={filters.queue} options={queues.map((q) => ({ value: q, text: q }))} onChange={(queue) => change({ queue })} />
          <FilterSelect label="Agent" all="All agents" value={filters.agent} options={agents.map((a) => ({ value: a.login, text: a.name }))} onChange={(agent) => change({ agent })} />
          <FilterSelect label="Channel" all="All channels" value={filters.channel} options={Object.entries(REQUEST_CHANNEL).map(([value, text]) => ({ value, text }))} onChange={(channel) => change({ channel })} />
          <button type="button" onClick={() => window.print()}>
            Print
          </button>
        </form>
        <ErrorText error={listsError ?? problem} />
        {query && (
          <>
            <CallbackSections loaded={callbacks} query={query} />
            <HandlingSection loaded={handling} query={query} agentName={agentName} />
            <DispositionSection loaded={dispositions} query={query} />
            <AnswerRateSection loaded={answers} query={query} />
          </>
        )}
      </main>
    </div>
  );
}

/** A filter of the reports: a labelled list whose first choice, the empty value, takes them all. */
function FilterSelect({
  label,
  all,
  value,
  options,
  onChange,
}: {
  label: string;
  all: string;
  value: string;
  options: { value: string; text: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A report's section: its title, its CSV link, its error or its figures once loaded. */
function Section<T>({
  id,
  title,
  report,
  query,
  loaded,
  children,
}: {
  id: string;
  title: string;
  report: ReportName;
  query: ReportQuery;
  loaded: Loaded<T>;
  children: (data: T) => ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`} className="rp-section" data-report={id}>
      <div className="rp-section-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <a className="rp-csv" href={csvHref(report, query)} download aria-label={`Download CSV: ${title}`}>
          Download CSV
        </a>
      </div>
      <ErrorText error={loaded.error} />
      {loaded.data === null && loaded.error === null && <p className="hint">Loading…</p>}
      {loaded.data !== null && children(loaded.data)}
    </section>
  );
}

/** A chart and its table, one block that printing does not cut. */
function Block({ caption, chart, table }: { caption: string; chart: ReactNode; table: ReactNode }) {
  return (
    <figure className="rp-block">
      <figcaption>{caption}</figcaption>
      <div className="rp-chart">{chart}</div>
      <div className="rp-table" role="region" aria-label={`${caption}: table`} tabIndex={0}>
        {table}
      </div>
    </figure>
  );
}

function Empty() {
  return <p className="hint rp-empty">{EMPTY}</p>;
}

function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : String(n);
}

function minutes(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined ? null : Math.round((seconds / 60) * 10) / 10;
}

function quiet(b: CallbackBucket): boolean {
  return !b.requests?.total && !b.completed && !b.failed.total && !b.cancelled.total && !b.expired && !b.wait_to_first_dial.count && !b.wait_to_connect.count;
}

function CallbackSections({ loaded, query }: { loaded: Loaded<CallbackReport>; query: ReportQuery }) {
  return (
    <Section id="callbacks" title="Callbacks" report="callbacks" query={query} loaded={loaded}>
      {(report) => {
        if (report.buckets.every(quiet)) return <Empty />;
        const zone = report.scope.time_zone;
        const labels = bucketLabels(
          report.buckets.map((b) => b.start),
          report.bucket,
          zone,
        );
        const per = BUCKET_LABEL[report.bucket].toLowerCase();
        const t = report.total;
        const byAgent = report.buckets.every((b) => b.requests === null);
        return (
          <>
            <Block
              caption={`Requests and outcomes per ${per} (${zone})`}
              chart={
                <ReportChart
                  labels={labels}
                  stacked
                  summary={`Bar chart of callbacks per ${per}: ${byAgent ? "" : `${count(t.requests?.total)} requested, `}${t.completed} completed, ${t.failed.total} failed, ${t.cancelled.total} cancelled, ${t.expired} expired in all. The table beside gives every ${per}.`}
                  datasets={[
                    ...(byAgent ? [] : [{ type: "line" as const, label: "Requested", data: report.buckets.map((b) => b.requests?.total ?? null), borderColor: cssColour("--brand", "#1f5fbf"), backgroundColor: cssColour("--brand", "#1f5fbf"), stack: "requests", order: 0 }]),
                    { label: "Completed", data: report.buckets.map((b) => b.completed), backgroundColor: cssColour("--ok", "#1c7c3a"), stack: "outcomes", order: 1 },
                    { label: "Failed", data: report.buckets.map((b) => b.failed.total), backgroundColor: cssColour("--bad", "#b3261e"), stack: "outcomes", order: 1 },
                    { label: "Cancelled", data: report.buckets.map((b) => b.cancelled.total), backgroundColor: cssColour("--muted", "#5b6475"), stack: "outcomes", order: 1 },
                    { label: "Expired", data: report.buckets.map((b) => b.expired), backgroundColor: cssColour("--warn", "#a15c00"), stack: "outcomes", order: 1 },
                  ] as Series[]}
                />
              }
              table={
                <table aria-label="Requests and outcomes">
                  <caption>Requests and outcomes per {per}</caption>
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">Requested</th>
                      <th scope="col">Completed</th>
                      <th scope="col">Failed</th>
                      <th scope="col">Cancelled</th>
                      <th scope="col">Expired</th>
                      <th scope="col">Still waiting</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.buckets.map((b, i) => (
                      <tr key={b.start}>
                        <th scope="row">{labels[i]}</th>
                        <td>{count(b.requests?.total)}</td>
                        <td>{b.completed}</td>
                        <td title={failedTitle(b)}>{b.failed.total}</td>
                        <td>{b.cancelled.total}</td>
                        <td>{b.expired}</td>
                        <td>{count(b.still_waiting)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">Total</th>
                      <td>{count(t.requests?.total)}</td>
                      <td>{t.completed}</td>
                      <td title={failedTitle(t)}>{t.failed.total}</td>
                      <td>{t.cancelled.total}</td>
                      <td>{t.expired}</td>
                      <td>{count(t.still_waiting)}</td>
                    </tr>
                  </tfoot>
                </table>
              }
            />
            {byAgent && <p className="hint">Requests are not counted per agent: an agent is known once a callback is offered.</p>}
            <p className="hint">
              {t.attempts_per_completed === null ? "" : `${t.attempts_per_completed} ${t.attempts_per_completed === 1 ? "dial" : "dials"} per completed callback. `}
              {t.right_party_contact_rate === null ? "" : `The customer was reached on ${percentText(t.right_party_contact_rate)} of the callbacks that ended after a dial.`}
            </p>
            <Block
              caption={`Waits to the first dial per ${per}, from the request and from the time promised`}
              chart={
                <ReportChart
                  labels={labels}
                  yTitle="minutes"
                  summary={`Line chart of waits per ${per}: over the whole range, the median wait from the request to the first dial was ${secondsText(t.wait_to_first_dial.p50_seconds)} and the 90th percentile ${secondsText(t.wait_to_first_dial.p90_seconds)}; from the time promised, ${secondsText(t.due_to_first_dial.p50_seconds)} and ${secondsText(t.due_to_first_dial.p90_seconds)}.`}
                  datasets={[
                    line("Median from request", report.buckets.map((b) => minutes(b.wait_to_first_dial.p50_seconds)), "--brand", "#1f5fbf"),
                    line("90th percentile from request", report.buckets.map((b) => minutes(b.wait_to_first_dial.p90_seconds)), "--brand", "#1f5fbf", [6, 4]),
                    line("Median from time promised", report.buckets.map((b) => minutes(b.due_to_first_dial.p50_seconds)), "--warn", "#a15c00"),
                    line("90th percentile from time promised", report.buckets.map((b) => minutes(b.due_to_first_dial.p90_seconds)), "--warn", "#a15c00", [6, 4]),
                  ]}
                />
              }
              table={
                <table aria-label="Waits">
                  <caption>Waits to the first dial per {per}: median and 90th percentile</caption>
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">First dials</th>
                      <th scope="col">Median from request</th>
                      <th scope="col">90th pct. from request</th>
                      <th scope="col">Median from time promised</th>
                      <th scope="col">90th pct. from time promised</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.buckets.map((b, i) => (
                      <tr key={b.start}>
                        <th scope="row">{labels[i]}</th>
                        <td>{b.wait_to_first_dial.count}</td>
                        <td>{secondsText(b.wait_to_first_dial.p50_seconds)}</td>
                        <td>{secondsText(b.wait_to_first_dial.p90_seconds)}</td>
                        <td>{secondsText(b.due_to_first_dial.p50_seconds)}</td>
                        <td>{secondsText(b.due_to_first_dial.p90_seconds)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">Whole range</th>
                      <td>{t.wait_to_first_dial.count}</td>
                      <td>{secondsText(t.wait_to_first_dial.p50_seconds)}</td>
                      <td>{secondsText(t.wait_to_first_dial.p90_seconds)}</td>
                      <td>{secondsText(t.due_to_first_dial.p50_seconds)}</td>
                      <td>{secondsText(t.due_to_first_dial.p90_seconds)}</td>
                    </tr>
                  </tfoot>
                </table>
              }
            />
            <p className="hint">The time promised is when a callback became due: at once, after its delay, or its slot.</p>
            <Block
              caption={`Scheduled callbacks dialled on time per ${per} (within ${t.scheduled_on_time.within_minutes} minutes of the slot)`}
              chart={
                <ReportChart
                  labels={labels}
                  percent
                  summary={`Bar chart of the share of scheduled callbacks first dialled within ${t.scheduled_on_time.within_minutes} minutes of their slot, per ${per}: ${percentText(t.scheduled_on_time.share)} over the range (${t.scheduled_on_time.on_time} of ${t.scheduled_on_time.dialled}).`}
                  datasets={[
                    {
                      label: "On time",
                      data: report.buckets.map((b) => (b.scheduled_on_time.share === null ? null : Math.round(b.scheduled_on_time.share * 1000) / 10)),
                      backgroundColor: cssColour("--ok", "#1c7c3a"),
                    } as Series,
                  ]}
                />
              }
              table={
                <table aria-label="On time">
                  <caption>Scheduled callbacks dialled on time per {per}</caption>
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">Dialled</th>
                      <th scope="col">On time</th>
                      <th scope="col">Share</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.buckets.map((b, i) => (
                      <tr key={b.start}>
                        <th scope="row">{labels[i]}</th>
                        <td>{b.scheduled_on_time.dialled}</td>
                        <td>{b.scheduled_on_time.on_time}</td>
                        <td>{percentText(b.scheduled_on_time.share)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">Whole range</th>
                      <td>{t.scheduled_on_time.dialled}</td>
                      <td>{t.scheduled_on_time.on_time}</td>
                      <td>{percentText(t.scheduled_on_time.share)}</td>
                    </tr>
                  </tfoot>
                </table>
              }
            />
          </>
        );
      }}
    </Section>
  );
}

function failedTitle(b: CallbackBucket): string {
  return Object.entries(b.failed.by_reason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason === "none" ? "Never dialled" : label(DIAL_RESULT, reason)}: ${n}`)
    .join(", ");
}

function line(name: string, data: (number | null)[], variable: string, fallback: string, dash: number[] = []): Series {
  const colour = cssColour(variable, fallback);
  return { type: "line", label: name, data, borderColor: colour, backgroundColor: colour, borderDash: dash, pointRadius: 3, spanGaps: false } as Series;
}

function HandlingSection({ loaded, query, agentName }: { loaded: Loaded<HandlingReport>; query: ReportQuery; agentName: (login: string) => string }) {
  return (
    <Section id="handling" title="Handling per agent" report="handling" query={query} loaded={loaded}>
      {(report) => {
        if (report.totals.length === 0) return <Empty />;
        const names = report.totals.map((r) => agentName(r.agent));
        return (
          <Block
            caption="Mean handle, hold and after-call work per agent, in minutes"
            chart={
              <ReportChart
                labels={names}
                horizontal
                yTitle="minutes"
                height={`${Math.max(10, 4 + report.totals.length * 3)}rem`}
                summary={`Bar chart of each agent's mean times: ${report.totals.map((r, i) => `${names[i]} handled ${r.handled}, ${secondsText(r.handle_seconds.mean_seconds)} a call, ${secondsText(r.hold_seconds.mean_seconds)} on hold, ${secondsText(r.after_call_work_seconds.mean_seconds)} after-call work`).join("; ")}.`}
                datasets={[
                  { label: "Handle", data: report.totals.map((r) => minutes(r.handle_seconds.mean_seconds)), backgroundColor: cssColour("--brand", "#1f5fbf") } as Series,
                  { label: "Hold", data: report.totals.map((r) => minutes(r.hold_seconds.mean_seconds)), backgroundColor: cssColour("--warn", "#a15c00") } as Series,
                  { label: "After-call work", data: report.totals.map((r) => minutes(r.after_call_work_seconds.mean_seconds)), backgroundColor: cssColour("--muted", "#5b6475") } as Series,
                ]}
              />
            }
            table={
              <table aria-label="Handling per agent">
                <caption>Handling per agent over the range</caption>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Handled</th>
                    <th scope="col">Mean handle</th>
                    <th scope="col">Median handle</th>
                    <th scope="col">90th pct. handle</th>
                    <th scope="col">Mean hold</th>
                    <th scope="col">Mean after-call work</th>
                  </tr>
                </thead>
                <tbody>
                  {report.totals.map((r, i) => (
                    <tr key={r.agent} data-agent={r.agent}>
                      <th scope="row">{names[i]}</th>
                      <td>{r.handled}</td>
                      <td>{secondsText(r.handle_seconds.mean_seconds)}</td>
                      <td>{secondsText(r.handle_p50_seconds)}</td>
                      <td>{secondsText(r.handle_p90_seconds)}</td>
                      <td>{secondsText(r.hold_seconds.mean_seconds)}</td>
                      <td>{secondsText(r.after_call_work_seconds.mean_seconds)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            }
          />
        );
      }}
    </Section>
  );
}

function DispositionSection({ loaded, query }: { loaded: Loaded<DispositionReport>; query: ReportQuery }) {
  return (
    <Section id="dispositions" title="Dispositions" report="dispositions" query={query} loaded={loaded}>
      {(report) => {
        if (report.handled === 0) return <Empty />;
        const rows = [...treeRows(report.tree), { code: "", label: "No code", depth: 0, count: report.without_code, total: report.without_code }];
        return (
          <Block
            caption={`Interactions closed per disposition code (${report.handled} in all)`}
            chart={
              <ReportChart
                labels={rows.map((r) => `${"\u2003".repeat(r.depth)}${r.label}`)}
                horizontal
                height={`${Math.max(8, 3 + rows.length * 2)}rem`}
                summary={`Bar chart of ${report.handled} interactions by disposition code, each code with the codes under it: ${rows.map((r) => `${r.label} ${r.total}`).join(", ")}.`}
                datasets={[{ label: "Closed with this code or one under it", data: rows.map((r) => r.total), backgroundColor: cssColour("--brand", "#1f5fbf") } as Series]}
              />
            }
            table={
              <table aria-label="Dispositions">
                <caption>Disposition codes, the codes under each indented</caption>
                <thead>
                  <tr>
                    <th scope="col">Code</th>
                    <th scope="col">This code</th>
                    <th scope="col">With the codes under it</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.code || "(none)"} data-code={r.code || "(none)"} data-depth={r.depth}>
                      <th scope="row" style={{ paddingInlineStart: `${0.5 + r.depth * 1.25}rem` }}>
                        {r.label}
                      </th>
                      <td>{r.count}</td>
                      <td>{r.total}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">Handled</th>
                    <td colSpan={2}>{report.handled}</td>
                  </tr>
                </tfoot>
              </table>
            }
          />
        );
      }}
    </Section>
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

function AnswerRateSection({ loaded, query }: { loaded: Loaded<AnswerRateReport>; query: ReportQuery }) {
  return (
    <Section id="answer-rate" title="Answer rate by hour and weekday" report="answer-rate" query={query} loaded={loaded}>
      {(report) => {
        const dials = report.cells.reduce((sum, c) => sum + c.attempts, 0);
        if (dials === 0) return <Empty />;
        const answered = report.cells.reduce((sum, c) => sum + c.answered, 0);
        const days = Object.keys(WEEKDAY_LABEL);
        return (
          <figure className="rp-block rp-heat-block">
            <figcaption>
              Share of dials answered, by local hour ({report.scope.time_zone}) and weekday: {answered} of {dials} answered. Darker is more; an empty cell had no dial.
            </figcaption>
            <div className="rp-table rp-heat" role="region" aria-label="Answer rate: table" tabIndex={0}>
              <table aria-label="Answer rate by hour and weekday">
                <caption className="visually-hidden">Share of dials answered, by hour of day and weekday; each cell gives the dials made.</caption>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    {HOURS.map((h) => (
                      <th scope="col" key={h} abbr={`${String(h).padStart(2, "0")}:00`}>
                        {String(h).padStart(2, "0")}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {days.map((day) => (
                    <tr key={day}>
                      <th scope="row">{WEEKDAY_LABEL[day]}</th>
                      {HOURS.map((h) => {
                        const cell = report.cells.find((c) => c.weekday === day && c.hour === h);
                        if (!cell || cell.attempts === 0) return <td key={h} className="rp-heat-none" data-hour={h} />;
                        return (
                          <td key={h} data-hour={h} style={heatColours(cell.rate)} title={`${cell.answered} of ${cell.attempts} answered`}>
                            {percentText(cell.rate)}
                            <span className="visually-hidden"> ({cell.answered} of {cell.attempts} answered)</span>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </figure>
        );
      }}
    </Section>
  );
}

