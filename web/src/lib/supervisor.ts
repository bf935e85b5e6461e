// The supervisor page's words and rules that need no screen: durations, the priority
// explained, thresholds in words, which queues deserve a notice, the waiting list's query.

export type Level = "ok" | "warning" | "breach";

export interface Crossing {
  measure: "oldest_wait" | "late";
  level: "ok" | "warning" | "breach";
  value: number;
  threshold: number;
}

export const LEVEL_LABEL: Record<Level, string> = { ok: "OK", warning: "Warning", breach: "Breach" };
const RANK: Record<Level, number> = { ok: 0, warning: 1, breach: 2 };

/** "45 s", "16 min", "1 h 05 min": a wait as a person says it (seconds only under a minute). */
export function durationText(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** "1 point", "0.5 points": aging figures without float noise. */
function points(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return `${rounded} ${rounded === 1 ? "point" : "points"}`;
}

export interface PriorityExplained {
  /** What routing ranks it by now, rounded as shown. */
  now: number;
  /** "95 + 8 for 16 min waiting", or "95 (no aging on this service)". */
  short: string;
  /** The whole rule, for the tooltip and screen readers. */
  long: string;
}

/** The effective priority of a queued callback as a sum a supervisor can check; null when it
 * is not in the queue (offered or scheduled callbacks do not age). */
export function explainPriority(cb: {
  priority: number;
  effective_priority: number | null;
  priority_aging_per_minute: number;
  wait_seconds: number | null;
}): PriorityExplained | null {
  if (cb.effective_priority === null || cb.wait_seconds === null) return null;
  const now = Math.round(cb.effective_priority);
  const waited = durationText(cb.wait_seconds);
  if (cb.priority_aging_per_minute === 0) {
    return {
      now,
      short: `${cb.priority} (no aging on this service)`,
      long: `Priority ${cb.priority}; this service adds nothing for waiting, so it stays ${cb.priority}.`,
    };
  }
  const added = Math.round(cb.effective_priority - cb.priority);
  return {
    now,
    short: `${cb.priority} + ${added} for ${waited} waiting`,
    long:
      `Priority ${cb.priority}, plus ${points(cb.priority_aging_per_minute)} for each minute in the queue ` +
      `(this service's aging): ${added} after ${waited}, so routing ranks it ${now} now.`,
  };
}

/** "Oldest wait 16 min (breach at 15 min)", "3 callbacks late (warning at 1)". */
export function crossingText(crossing: Crossing): string {
  if (crossing.measure === "oldest_wait") {
    return `Oldest wait ${durationText(crossing.value)} (${crossing.level} at ${durationText(crossing.threshold)})`;
  }
  const late = crossing.value === 1 ? "1 callback late" : `${crossing.value} callbacks late`;
  return `${late} (${crossing.level} at ${crossing.threshold})`;
}

export interface Notice {
  service: string;
  level: Level;
  /** "Card services is in breach: Oldest wait 16 min, ..." */
  text: string;
}

/** Queues whose level rose above what the supervisor last acknowledged, and the levels to
 * remember: a queue back to OK is forgotten, so crossing again raises a new notice. */
export function risenQueues(
  acknowledged: Readonly<Record<string, Level>>,
  queues: readonly { service: string; display_name: string; level: Level; crossings: Crossing[] }[],
): { notices: Notice[]; remembered: Record<string, Level> } {
  const notices: Notice[] = [];
  const remembered: Record<string, Level> = {};
  for (const q of queues) {
    const before = acknowledged[q.service] ?? "ok";
    if (q.level === "ok") continue;
    remembered[q.service] = RANK[q.level] > RANK[before] ? q.level : before;
    if (RANK[q.level] > RANK[before]) {
      const words = q.level === "breach" ? "is in breach" : "needs attention";
      const why = q.crossings.filter((c) => c.level !== "ok").map(crossingText);
      notices.push({ service: q.service, level: q.level, text: `${q.display_name} ${words}: ${why.join("; ")}.` });
    }
  }
  return { notices, remembered };
}

export type WaitingSort = "waiting" | "recent" | "priority";

export const SORT_LABEL: Record<WaitingSort, string> = {
  waiting: "Longest waiting first",
  recent: "Most recent first",
  priority: "Priority (routing's order)",
};

/** "Waiting longer than" choices, in seconds (0: any). */
export const AGE_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: "Any time" },
  { seconds: 60, label: "1 min" },
  { seconds: 300, label: "5 min" },
  { seconds: 900, label: "15 min" },
  { seconds: 1800, label: "30 min" },
  { seconds: 3600, label: "1 h" },
];

export interface WaitingFilters {
  service: string; // "" for all
  state: string; // "" for all waiting states
  minWaitSeconds: number; // 0 for any
  sort: WaitingSort;
}

export interface WaitingQuery {
  service?: string;
  state?: ("queued" | "offered" | "scheduled")[];
  min_wait_seconds?: number;
  sort: WaitingSort;
  limit: number;
  cursor?: string;
}

/** The query of one page of the waiting list; empty filters are left out. */
export function waitingQuery(filters: WaitingFilters, limit: number, cursor: string | null): WaitingQuery {
  const query: WaitingQuery = { sort: filters.sort, limit };
  if (filters.service) query.service = filters.service;
  if (filters.state) query.state = [filters.state as "queued" | "offered" | "scheduled"];
  if (filters.minWaitSeconds > 0) query.min_wait_seconds = filters.minWaitSeconds;
  if (cursor) query.cursor = cursor;
  return query;
}

/** "21–40 of 57", "None", from the page's place and what the server counted. */
export function pageRange(offset: number, shown: number, total: number): string {
  if (shown === 0) return total === 0 ? "None" : `None here of ${total}`;
  return `${offset + 1}–${offset + shown} of ${total}`;
}

/** "14:05": a bucket's start on the chart's axis, in the supervisor's zone. */
export function bucketLabel(iso: string, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}

/** One sentence for a queue's chart, for those who cannot see it. */
export function chartSummary(
  name: string,
  hours: number,
  series: { waiting: number[]; offered: number[]; answered: number[]; failed: number[] },
): string {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const now = series.waiting.at(-1) ?? 0;
  const peak = Math.max(0, ...series.waiting);
  return (
    `${name}, last ${hours} ${hours === 1 ? "hour" : "hours"}: ${now} waiting now (at most ${peak}); ` +
    `${sum(series.offered)} offered, ${sum(series.answered)} answered, ${sum(series.failed)} failed.`
  );
}
