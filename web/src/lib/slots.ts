// The slot picker's choices: a day, a part of that day, then a few times, in the customer's zone
// (the service's calendar) with the agent's time beside each one.
import { formatInZone } from "./time";

export type SlotLike = { start: string; available: number; capacity: number };

export type TimeChoice = {
  start: string;
  /** "10:30 GMT-5": the customer's wall time. */
  customer: string;
  /** The agent's time when their zone reads another one: "15:30 UTC", "Sat 5 Dec, 23:30 GMT-8". */
  agent: string | null;
  available: number;
  capacity: number;
};

export type PartKey = "night" | "morning" | "afternoon" | "evening";

export type DayPart = { key: PartKey; label: string; hours: string; times: TimeChoice[]; free: number };

export type DayChoice = { key: string; label: string; parts: DayPart[]; free: number };

const PARTS: { key: PartKey; label: string; from: number; hours: string }[] = [
  { key: "night", label: "Night", from: 0, hours: "00–06" },
  { key: "morning", label: "Morning", from: 6, hours: "06–12" },
  { key: "afternoon", label: "Afternoon", from: 12, hours: "12–18" },
  { key: "evening", label: "Evening", from: 18, hours: "18–24" },
];

function dayKey(iso: string, zone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
}

function hourIn(iso: string, zone: string): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", hourCycle: "h23" }).format(new Date(iso)));
}

/** The open slots (a place left) grouped by the customer's day and part of the day. */
export function slotDays(slots: SlotLike[], customerZone: string, agentZone: string): DayChoice[] {
  const days = new Map<string, DayChoice>();
  for (const slot of slots) {
    if (slot.available <= 0) continue;
    const key = dayKey(slot.start, customerZone);
    const [label, customer] = formatInZone(slot.start, customerZone).split(", ") as [string, string];
    let day = days.get(key);
    if (!day) {
      day = { key, label, parts: [], free: 0 };
      days.set(key, day);
    }
    const hour = hourIn(slot.start, customerZone);
    const spec = [...PARTS].reverse().find((p) => hour >= p.from) ?? PARTS[0]!;
    let part = day.parts.find((p) => p.key === spec.key);
    if (!part) {
      part = { key: spec.key, label: spec.label, hours: spec.hours, times: [], free: 0 };
      day.parts.push(part);
    }
    part.times.push({ start: slot.start, customer, agent: agentTime(slot.start, label, customerZone, agentZone), available: slot.available, capacity: slot.capacity });
    part.free += 1;
    day.free += 1;
  }
  return [...days.values()];
}

/** The agent's reading of the time, or null when it is the customer's too; their day is named
 * when it is not the customer's. */
function agentTime(iso: string, customerDay: string, customerZone: string, agentZone: string): string | null {
  const mine = formatInZone(iso, agentZone);
  // One zone, or two that read the same: one reading is enough.
  if (customerZone === agentZone || mine === formatInZone(iso, customerZone)) return null;
  const [myDay, myTime] = mine.split(", ") as [string, string];
  return myDay === customerDay ? myTime : mine;
}

/** "2 of 3 free", "1 free" when the slot takes one callback. */
export function freeText(time: Pick<TimeChoice, "available" | "capacity">): string {
  return time.capacity > 1 ? `${time.available} of ${time.capacity} free` : `${time.available} free`;
}
