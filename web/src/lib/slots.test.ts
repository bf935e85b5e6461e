import { describe, expect, it } from "vitest";
import { freeText, slotDays, type SlotLike } from "./slots";

/** Every quarter hour for `days` days from `from`, as a service open around the clock offers. */
function aroundTheClock(from: string, days: number, capacity = 2): SlotLike[] {
  const start = Date.parse(from);
  return Array.from({ length: days * 96 }, (_, n) => ({ start: new Date(start + n * 15 * 60_000).toISOString(), available: capacity, capacity }));
}

describe("slotDays", () => {
  it("turns 288 quarter hours into three days of four parts, none longer than 24 times", () => {
    const days = slotDays(aroundTheClock("2026-12-06T05:00:00Z", 3), "America/New_York", "America/New_York");
    expect(days.map((d) => d.label)).toEqual(["Sun 6 Dec", "Mon 7 Dec", "Tue 8 Dec"]);
    for (const day of days) {
      expect(day.parts.map((p) => p.label)).toEqual(["Night", "Morning", "Afternoon", "Evening"]);
      for (const part of day.parts) expect(part.times.length).toBe(24);
      expect(day.free).toBe(96);
    }
    const first = days[0]!.parts[0]!.times[0]!;
    expect(first.customer).toBe("00:00 GMT-5");
    expect(first.agent).toBeNull(); // one zone: one reading
  });

  it("groups by the customer's calendar and gives the agent's time, naming the agent's day when it differs", () => {
    // 23:30 in Paris on Sunday is 14:30 in Los Angeles the same day; 08:00 Monday in Paris is
    // 23:00 Sunday in Los Angeles.
    const slots = [
      { start: "2026-12-06T22:30:00Z", available: 1, capacity: 3 },
      { start: "2026-12-07T07:00:00Z", available: 3, capacity: 3 },
    ];
    const days = slotDays(slots, "Europe/Paris", "America/Los_Angeles");
    expect(days.map((d) => [d.key, d.label, d.parts.map((p) => p.key)])).toEqual([
      ["2026-12-06", "Sun 6 Dec", ["evening"]],
      ["2026-12-07", "Mon 7 Dec", ["morning"]],
    ]);
    expect(days[0]!.parts[0]!.times[0]).toMatchObject({ customer: "23:30 CET", agent: "14:30 GMT-8" });
    expect(days[1]!.parts[0]!.times[0]).toMatchObject({ customer: "08:00 CET", agent: "Sun 6 Dec, 23:00 GMT-8" });
  });

  it("leaves out full slots, and days and parts with nothing free", () => {
    const slots = [
      { start: "2026-12-06T10:00:00Z", available: 0, capacity: 2 },
      { start: "2026-12-06T15:00:00Z", available: 1, capacity: 2 },
      { start: "2026-12-07T10:00:00Z", available: 0, capacity: 2 },
    ];
    const days = slotDays(slots, "UTC", "UTC");
    expect(days).toHaveLength(1);
    expect(days[0]!.parts.map((p) => [p.key, p.free])).toEqual([["afternoon", 1]]);
  });
});

describe("freeText", () => {
  it("says how many places are left, out of how many when a slot takes several", () => {
    expect(freeText({ available: 2, capacity: 3 })).toBe("2 of 3 free");
    expect(freeText({ available: 1, capacity: 1 })).toBe("1 free");
  });
});
