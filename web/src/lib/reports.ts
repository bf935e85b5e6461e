// The reports page's rules that need no screen: date ranges in a zone (DST included), the
// reports' query and CSV links, bucket labels, the disposition tree as rows, heatmap colours.
import { offsetMinutes, wallTimeToUtc } from "./time";

export type Bucket = "15min" | "hour" | "day" | "week";
export type Preset = "today" | "yesterday" | "last7" | "thisMonth" | "lastMonth";
export type ReportName = "callbacks" | "handling" | "dispositions" | "answer-rate";

export const BUCKET_LABEL: Record<Bucket, string> = { "15min": "15 minutes", hour: "Hour", day: "Day", week: "Week" };
export const PRESET_LABEL: Record<Preset, string> = {
  today: "Today",
  yesterday: "Yesterday",
  last7: "Last 7 days",
  thisMonth: "This month",
  lastMonth: "Last month",
};

/** Local calendar dates, both included, as <input type="date"> values ("2026-10-25"). */
export interface DateRange {
  from: string;
  to: string;
}

export interface ReportFilters extends DateRange {
  bucket: Bucket;
  service: string;
  queue: string;
  agent: string;
  channel: string;
}

/** The calendar date an instant falls on in a zone. */
export function localDate(instant: Date, zone: string): string {
  const shifted = new Date(instant.getTime() + offsetMinutes(instant.getTime(), zone) * 60_000);
  return shifted.toISOString().slice(0, 10);
}

/** A calendar date moved by whole days (no clock involved, so no DST either). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function monthStart(date: string, months = 0): string {
  const [y, m] = date.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 1)).toISOString().slice(0, 10);
}

/** The dates a quick range covers, counted on the zone's calendar at ``now``. */
export function presetRange(preset: Preset, now: Date, zone: string): DateRange {
  const today = localDate(now, zone);
  switch (preset) {
    case "today":
      return { from: today, to: today };
    case "yesterday":
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case "last7":
      return { from: addDays(today, -6), to: today };
    case "thisMonth":
      return { from: monthStart(today), to: today };
    case "lastMonth":
      return { from: monthStart(today, -1), to: addDays(monthStart(today), -1) };
  }
}

/** "2026-10-25T00:00:00+02:00": an instant as the zone's wall clock, with its offset. */
export function isoWithOffset(instant: Date, zone: string): string {
  const offset = offsetMinutes(instant.getTime(), zone);
  const wall = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${wall}${sign}${hours}:${minutes}`;
}

/** The instants a range of dates spans in a zone: from its first midnight to the midnight after
 * its last day (a day of 23 or 25 hours when the clocks change). */
export function rangeInstants(range: DateRange, zone: string): { from: string; to: string } {
  return {
    from: isoWithOffset(wallTimeToUtc(`${range.from}T00:00`, zone), zone),
    to: isoWithOffset(wallTimeToUtc(`${addDays(range.to, 1)}T00:00`, zone), zone),
  };
}

/** What is wrong with a range before asking (null when nothing is). */
export function rangeProblem(range: DateRange): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(range.from)) return "Choose the first day of the range.";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(range.to)) return "Choose the last day of the range.";
  if (range.to < range.from) return "The last day comes before the first day.";
  return null;
}

export type ReportQuery = Record<string, string>;

/** The reports' query string: the range in the zone, the bucket, and the filters chosen. */
export function reportQuery(filters: ReportFilters, zone: string): ReportQuery {
  const query: ReportQuery = { ...rangeInstants(filters, zone), bucket: filters.bucket, time_zone: zone };
  for (const key of ["service", "queue", "agent", "channel"] as const) {
    if (filters[key]) query[key] = filters[key];
  }
  return query;
}

/** A report's own query: the dispositions and the answer rate are not counted in buckets. */
export function queryFor(report: ReportName, query: ReportQuery): ReportQuery {
  if (report === "callbacks" || report === "handling") return query;
  return Object.fromEntries(Object.entries(query).filter(([key]) => key !== "bucket"));
}

/** The link that downloads a report as CSV, with the same filters. */
export function csvHref(report: ReportName, query: ReportQuery): string {
  return `/api/v1/reports/${report}?${new URLSearchParams({ ...queryFor(report, query), format: "csv" }).toString()}`;
}

/** The channels a callback was asked for through, as the filter names them. */
export const REQUEST_CHANNEL: Record<string, string> = { web: "Web page", mobile: "Mobile app", ivr: "Phone menu (IVR)", agent: "Agent" };

/** The zone the reports are counted in: the chosen service's; else the one every service
 * shares; else the supervisor's own. */
export function reportZone(services: { name: string; time_zone: string }[], chosen: string, own: string): string {
  const picked = services.find((s) => s.name === chosen);
  if (picked) return picked.time_zone;
  const zones = new Set(services.map((s) => s.time_zone));
  return zones.size === 1 ? ([...zones][0] as string) : own;
}

function parts(iso: string, zone: string, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", ...options }).format(new Date(iso));
}

/** A bucket as a person names it, by its start: "Sun 25 Oct, 02:00", "Sun 25 Oct",
 * "Week of 19 Oct". When the clocks go back an hour is seen twice: each then names its zone
 * ("02:00 CEST", "02:00 CET") so the two can be told apart. */
export function bucketLabels(starts: string[], bucket: Bucket, zone: string): string[] {
  const years = new Set(starts.map((s) => parts(s, zone, { year: "numeric" })));
  const year: Intl.DateTimeFormatOptions = years.size > 1 ? { year: "numeric" } : {};
  if (bucket === "week") return starts.map((s) => `Week of ${parts(s, zone, { day: "numeric", month: "short", ...year })}`);
  if (bucket === "day") return starts.map((s) => parts(s, zone, { weekday: "short", day: "numeric", month: "short", ...year }).replace(",", ""));
  const clock: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", ...year };
  const plain = starts.map((s) => parts(s, zone, clock));
  const seen = new Map<string, number>();
  for (const label of plain) seen.set(label, (seen.get(label) ?? 0) + 1);
  return starts.map((s, i) => ((seen.get(plain[i] as string) ?? 0) > 1 ? parts(s, zone, { ...clock, timeZoneName: "short" }) : (plain[i] as string)));
}

/** "83 %", or a dash when there was nothing to count. */
export function percentText(share: number | null | undefined): string {
  return share === null || share === undefined ? "—" : `${Math.round(share * 100)} %`;
}

/** "45 s", "3 min 20 s", "1 h 05 min"; a dash for no value. */
export function secondsText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return whole % 60 ? `${minutes} min ${String(whole % 60).padStart(2, "0")} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export interface TreeNode {
  code: string;
  label: string;
  count: number;
  total: number;
  children: TreeNode[];
}

export interface TreeRow {
  code: string;
  label: string;
  depth: number;
  count: number;
  total: number;
}

/** The codes' tree as rows, parents first, each with its depth (for indentation). */
export function treeRows(tree: TreeNode[], depth = 0): TreeRow[] {
  return tree.flatMap((node) => [
    { code: node.code, label: node.label, depth, count: node.count, total: node.total },
    ...treeRows(node.children, depth + 1),
  ]);
}

/** A heatmap cell's colours for an answer rate: from pale (few answered) to deep blue; grey
 * where nobody was dialled. Under half the text is dark on 96-60 % lightness, from half it is
 * white on 50-30 %: the blues between contrast too little with either (WCAG AA, 4.5:1). */
export function heatColours(rate: number | null): { background: string; color: string } {
  if (rate === null) return { background: "#f3f5f8", color: "#5b6475" };
  const clamped = Math.min(1, Math.max(0, rate));
  if (clamped < 0.5) return { background: `hsl(214 70% ${Math.round(96 - (clamped / 0.5) * 36)}%)`, color: "#1d2433" };
  return { background: `hsl(214 70% ${Math.round(50 - ((clamped - 0.5) / 0.5) * 20)}%)`, color: "#ffffff" };
}

export const WEEKDAY_LABEL: Record<string, string> = {
  monday: "Monday",
  tuesday: "Tuesday",
  wednesday: "Wednesday",
  thursday: "Thursday",
  friday: "Friday",
  saturday: "Saturday",
  sunday: "Sunday",
};
