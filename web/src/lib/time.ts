// Times are stored and sent in UTC; people read them in a time zone, often two at once.

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** "Thu 26 Nov, 10:20 EST" in the given zone. */
export function formatInZone(iso: string | Date, zone: string, locale = "en-GB"): string {
  const when = typeof iso === "string" ? new Date(iso) : iso;
  return new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).format(when);
}

export interface TwoZones {
  customer: string;
  agent: string;
  /** Both zones read the same wall time (only one needs showing). */
  same: boolean;
}

export function inBothZones(iso: string, customerZone: string, agentZone: string): TwoZones {
  const customer = formatInZone(iso, customerZone);
  const agent = formatInZone(iso, agentZone);
  return { customer, agent, same: offsetMinutes(new Date(iso).getTime(), customerZone) === offsetMinutes(new Date(iso).getTime(), agentZone) };
}

/** "Thu 26 Nov, 08:22 CET (you: Wed 25 Nov, 23:22 GMT-8)"; the text as given if it is not a time. */
export function inBothZonesText(iso: string, customerZone: string, agentZone = browserZone()): string {
  if (Number.isNaN(Date.parse(iso))) return iso;
  const both = inBothZones(iso, customerZone, agentZone);
  return both.same ? both.customer : `${both.customer} (you: ${both.agent})`;
}

/** The zone's offset from UTC at that instant, in minutes (east positive). */
export function offsetMinutes(instantMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instantMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60000);
}

/**
 * The instant a wall-clock time ("2026-11-26T10:00") names in a zone.
 * A time skipped by a DST jump moves forward by the jump; a repeated one means the first.
 */
export function wallTimeToUtc(wall: string, zone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(wall);
  if (!match) throw new Error(`not a date and time: ${wall}`);
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  // Candidates: the offsets in force a day either side cover every transition.
  const offsets = new Set([offsetMinutes(asUtc - 86_400_000, zone), offsetMinutes(asUtc + 86_400_000, zone)]);
  const fits = [...offsets]
    .map((offset) => asUtc - offset * 60_000)
    .filter((instant) => instant + offsetMinutes(instant, zone) * 60_000 === asUtc)
    .sort((a, b) => a - b);
  if (fits.length > 0) return new Date(fits[0] as number);
  // In a gap: the clock jumped over this time; read it with the offset from before the jump.
  const before = offsetMinutes(asUtc - 86_400_000, zone);
  return new Date(asUtc - before * 60_000);
}

/** The wall-clock value an <input type="datetime-local"> shows for an instant in a zone. */
export function utcToWallTime(instant: Date, zone: string): string {
  const shifted = new Date(instant.getTime() + offsetMinutes(instant.getTime(), zone) * 60_000);
  return shifted.toISOString().slice(0, 16);
}
