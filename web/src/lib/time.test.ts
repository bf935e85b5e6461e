import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatInZone, inBothZones, offsetMinutes, utcToWallTime, wallTimeToUtc } from "./time";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const at = (iso: string) => Date.parse(iso);
const toUtc = (wall: string, zone: string) => wallTimeToUtc(wall, zone).toISOString();

// An oracle independent of the code under test: the zone's wall clock read straight from Intl.
const readers = new Map<string, Intl.DateTimeFormat>();
function reader(zone: string): Intl.DateTimeFormat {
  let found = readers.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    readers.set(zone, found);
  }
  return found;
}

function wallOf(instantMs: number, zone: string): string {
  const parts: Record<string, string> = {};
  for (const p of reader(zone).formatToParts(new Date(instantMs))) parts[p.type] = p.value;
  const hour = parts.hour === "24" ? "00" : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}`;
}

/** The offset in whole minutes, from the wall clock at a minute boundary. */
function offsetOf(instantMs: number, zone: string): number {
  const minute = Math.floor(instantMs / MINUTE) * MINUTE;
  return Math.round((Date.parse(`${wallOf(minute, zone)}Z`) - minute) / MINUTE);
}

describe("formatInZone", () => {
  it("reads the instant in the given zone, with the zone's name", () => {
    expect(formatInZone("2026-11-26T15:20:00Z", "Europe/Paris")).toBe("Thu 26 Nov, 16:20 CET");
    expect(formatInZone("2026-07-26T15:20:00Z", "Europe/London")).toBe("Sun 26 Jul, 16:20 BST");
    expect(formatInZone("2026-11-26T15:20:00Z", "America/New_York")).toMatch(/^Thu 26 Nov, 10:20 (EST|GMT-5)$/);
  });

  it("moves the date when the zone is on the other side of midnight", () => {
    expect(formatInZone("2026-11-26T23:30:00Z", "Asia/Tokyo")).toBe("Fri 27 Nov, 08:30 GMT+9");
    expect(formatInZone("2026-11-26T02:00:00Z", "America/Los_Angeles")).toMatch(/^Wed 25 Nov, 18:00 (PST|GMT-8)$/);
  });

  it("uses a 24-hour clock, midnight as 00", () => {
    expect(formatInZone("2026-11-26T00:05:00Z", "UTC")).toBe("Thu 26 Nov, 00:05 UTC");
  });

  it("accepts a Date as well as a string", () => {
    expect(formatInZone(new Date("2026-11-26T15:20:00Z"), "Asia/Kolkata")).toBe(
      formatInZone("2026-11-26T15:20:00Z", "Asia/Kolkata"),
    );
    expect(formatInZone(new Date("2026-11-26T15:20:00Z"), "Asia/Kolkata")).toContain("20:50");
  });

  it("takes another locale", () => {
    expect(formatInZone("2026-11-26T15:20:00Z", "America/New_York", "en-US")).toMatch(/^Thu, Nov 26, 10:20 EST$/);
  });
});

describe("inBothZones", () => {
  it("shows both when the zones read different wall times", () => {
    const both = inBothZones("2026-11-26T15:20:00Z", "America/New_York", "Europe/Paris");
    expect(both.same).toBe(false);
    expect(both.customer).toContain("10:20");
    expect(both.agent).toBe("Thu 26 Nov, 16:20 CET");
  });

  it("says same for two zones with the same offset", () => {
    const both = inBothZones("2026-11-26T15:20:00Z", "Europe/Paris", "Europe/Berlin");
    expect(both.same).toBe(true);
    expect(both.customer).toBe(both.agent);
    expect(inBothZones("2026-07-01T12:00:00Z", "Asia/Kolkata", "Asia/Colombo").same).toBe(true);
  });

  it("compares the offsets at that instant: London is UTC in winter only", () => {
    expect(inBothZones("2026-01-15T12:00:00Z", "Europe/London", "UTC").same).toBe(true);
    expect(inBothZones("2026-07-15T12:00:00Z", "Europe/London", "UTC").same).toBe(false);
  });

  it("tells apart the weeks when Europe and the US change clocks on different dates", () => {
    // 2026-03-20: New York is already on EDT (-4), London still on GMT; 2026-03-01: both in winter.
    expect(inBothZones("2026-03-20T12:00:00Z", "America/New_York", "America/Toronto").same).toBe(true);
    expect(inBothZones("2026-03-20T12:00:00Z", "America/New_York", "America/Halifax").same).toBe(false);
  });
});

describe("offsetMinutes", () => {
  it("is east-positive, including DST", () => {
    expect(offsetMinutes(at("2026-01-15T12:00:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "America/New_York")).toBe(-240);
    expect(offsetMinutes(at("2026-01-15T12:00:00Z"), "Europe/Paris")).toBe(60);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "Europe/Paris")).toBe(120);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "UTC")).toBe(0);
  });

  it("handles fractional-hour zones", () => {
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "Asia/Kathmandu")).toBe(345);
    expect(offsetMinutes(at("2026-01-15T12:00:00Z"), "Australia/Lord_Howe")).toBe(660);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "Australia/Lord_Howe")).toBe(630);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "America/St_Johns")).toBe(-150);
  });

  it("changes exactly at the transition instant", () => {
    // New York springs forward at 2026-03-08 07:00Z and falls back at 2026-11-01 06:00Z.
    expect(offsetMinutes(at("2026-03-08T06:59:59Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-03-08T07:00:00Z"), "America/New_York")).toBe(-240);
    expect(offsetMinutes(at("2026-11-01T05:59:59Z"), "America/New_York")).toBe(-240);
    expect(offsetMinutes(at("2026-11-01T06:00:00Z"), "America/New_York")).toBe(-300);
  });

  it("reads local midnight correctly and ignores milliseconds", () => {
    expect(offsetMinutes(at("2026-11-26T05:00:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-11-25T23:00:00Z"), "Europe/Paris")).toBe(60);
    expect(offsetMinutes(at("2026-11-26T05:00:00.999Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-11-25T18:30:00.5Z"), "Asia/Kolkata")).toBe(330);
  });
});

describe("wallTimeToUtc and utcToWallTime", () => {
  it("convert an ordinary time both ways", () => {
    expect(toUtc("2026-11-26T10:00", "America/New_York")).toBe("2026-11-26T15:00:00.000Z");
    expect(toUtc("2026-07-26T10:00", "America/New_York")).toBe("2026-07-26T14:00:00.000Z");
    expect(utcToWallTime(new Date("2026-11-26T15:00:00Z"), "America/New_York")).toBe("2026-11-26T10:00");
    expect(utcToWallTime(new Date("2026-07-26T14:00:00Z"), "America/New_York")).toBe("2026-07-26T10:00");
  });

  it("rejects what is not a date and time", () => {
    expect(() => wallTimeToUtc("2026-11-26 10:00", "UTC")).toThrow("not a date and time");
    expect(() => wallTimeToUtc("2026-11-26T10:00:00", "UTC")).toThrow("not a date and time");
    expect(() => wallTimeToUtc("", "UTC")).toThrow("not a date and time");
  });

  it("utcToWallTime truncates to the minute", () => {
    expect(utcToWallTime(new Date("2026-11-26T15:00:59.999Z"), "UTC")).toBe("2026-11-26T15:00");
    expect(utcToWallTime(new Date("2026-11-26T15:00:59.999Z"), "Asia/Kolkata")).toBe("2026-11-26T20:30");
  });

  describe("America/New_York", () => {
    it("spring forward: a skipped time moves forward by the jump (02:30 EST does not exist, 03:30 EDT = 07:30Z)", () => {
      expect(toUtc("2026-03-08T02:30", "America/New_York")).toBe("2026-03-08T07:30:00.000Z");
      expect(toUtc("2026-03-08T02:00", "America/New_York")).toBe("2026-03-08T07:00:00.000Z");
      expect(toUtc("2026-03-08T02:59", "America/New_York")).toBe("2026-03-08T07:59:00.000Z");
      expect(utcToWallTime(new Date("2026-03-08T07:30:00Z"), "America/New_York")).toBe("2026-03-08T03:30");
    });

    it("spring forward: the minutes either side of the gap are exact", () => {
      expect(toUtc("2026-03-08T01:59", "America/New_York")).toBe("2026-03-08T06:59:00.000Z");
      expect(toUtc("2026-03-08T03:00", "America/New_York")).toBe("2026-03-08T07:00:00.000Z");
      expect(utcToWallTime(new Date("2026-03-08T06:59:00Z"), "America/New_York")).toBe("2026-03-08T01:59");
      expect(utcToWallTime(new Date("2026-03-08T07:00:00Z"), "America/New_York")).toBe("2026-03-08T03:00");
    });

    it("fall back: a repeated time means the first one (01:30 EDT = 05:30Z)", () => {
      expect(toUtc("2026-11-01T01:30", "America/New_York")).toBe("2026-11-01T05:30:00.000Z");
      expect(toUtc("2026-11-01T01:00", "America/New_York")).toBe("2026-11-01T05:00:00.000Z");
      expect(toUtc("2026-11-01T01:59", "America/New_York")).toBe("2026-11-01T05:59:00.000Z");
      // After the repeated hour, only one reading is left.
      expect(toUtc("2026-11-01T02:00", "America/New_York")).toBe("2026-11-01T07:00:00.000Z");
      expect(toUtc("2026-11-01T00:59", "America/New_York")).toBe("2026-11-01T04:59:00.000Z");
    });

    it("fall back: both instants of the repeated hour read the same wall time", () => {
      expect(utcToWallTime(new Date("2026-11-01T05:30:00Z"), "America/New_York")).toBe("2026-11-01T01:30");
      expect(utcToWallTime(new Date("2026-11-01T06:30:00Z"), "America/New_York")).toBe("2026-11-01T01:30");
    });
  });

  describe("Europe/London", () => {
    it("spring forward at 01:00 GMT: 01:30 becomes 02:30 BST", () => {
      expect(toUtc("2026-03-29T01:30", "Europe/London")).toBe("2026-03-29T01:30:00.000Z");
      expect(toUtc("2026-03-29T00:59", "Europe/London")).toBe("2026-03-29T00:59:00.000Z");
      expect(toUtc("2026-03-29T02:00", "Europe/London")).toBe("2026-03-29T01:00:00.000Z");
      expect(utcToWallTime(new Date("2026-03-29T01:30:00Z"), "Europe/London")).toBe("2026-03-29T02:30");
    });

    it("fall back: 01:30 means 01:30 BST (00:30Z), not 01:30 GMT", () => {
      expect(toUtc("2026-10-25T01:30", "Europe/London")).toBe("2026-10-25T00:30:00.000Z");
      expect(utcToWallTime(new Date("2026-10-25T00:30:00Z"), "Europe/London")).toBe("2026-10-25T01:30");
      expect(utcToWallTime(new Date("2026-10-25T01:30:00Z"), "Europe/London")).toBe("2026-10-25T01:30");
      expect(toUtc("2026-10-25T02:00", "Europe/London")).toBe("2026-10-25T02:00:00.000Z");
    });

    it("winter and summer", () => {
      expect(toUtc("2026-01-10T09:00", "Europe/London")).toBe("2026-01-10T09:00:00.000Z");
      expect(toUtc("2026-07-10T09:00", "Europe/London")).toBe("2026-07-10T08:00:00.000Z");
    });
  });

  describe("Australia/Lord_Howe (a 30-minute DST)", () => {
    it("spring forward 02:00 -> 02:30: 02:15 is skipped and moves forward by 30 minutes", () => {
      // Standard time is +10:30, summer time +11:00.
      expect(toUtc("2026-10-04T02:15", "Australia/Lord_Howe")).toBe("2026-10-03T15:45:00.000Z");
      expect(utcToWallTime(new Date("2026-10-03T15:45:00Z"), "Australia/Lord_Howe")).toBe("2026-10-04T02:45");
      expect(toUtc("2026-10-04T01:59", "Australia/Lord_Howe")).toBe("2026-10-03T15:29:00.000Z");
      expect(toUtc("2026-10-04T02:30", "Australia/Lord_Howe")).toBe("2026-10-03T15:30:00.000Z");
    });

    it("fall back 02:00 -> 01:30: 01:45 means the first, summer-time one", () => {
      expect(toUtc("2026-04-05T01:45", "Australia/Lord_Howe")).toBe("2026-04-04T14:45:00.000Z");
      expect(utcToWallTime(new Date("2026-04-04T14:45:00Z"), "Australia/Lord_Howe")).toBe("2026-04-05T01:45");
      expect(utcToWallTime(new Date("2026-04-04T15:15:00Z"), "Australia/Lord_Howe")).toBe("2026-04-05T01:45");
      // 01:29 is not repeated: only the half hour from 01:30 is.
      expect(toUtc("2026-04-05T01:29", "Australia/Lord_Howe")).toBe("2026-04-04T14:29:00.000Z");
      expect(toUtc("2026-04-05T02:00", "Australia/Lord_Howe")).toBe("2026-04-04T15:30:00.000Z");
    });
  });

  describe("Asia/Kolkata (no DST)", () => {
    it("is always +05:30, on the US and EU change dates too", () => {
      for (const wall of ["2026-03-08T02:30", "2026-03-29T01:30", "2026-10-25T01:30", "2026-11-01T01:30", "2026-06-01T00:00"]) {
        const instant = wallTimeToUtc(wall, "Asia/Kolkata");
        expect(instant.getTime()).toBe(Date.parse(`${wall}Z`) - 330 * MINUTE);
        expect(utcToWallTime(instant, "Asia/Kolkata")).toBe(wall);
      }
    });

    it("crosses midnight and the year boundary", () => {
      expect(toUtc("2027-01-01T03:00", "Asia/Kolkata")).toBe("2026-12-31T21:30:00.000Z");
      expect(utcToWallTime(new Date("2026-12-31T21:30:00Z"), "Asia/Kolkata")).toBe("2027-01-01T03:00");
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties. The documented contract of wallTimeToUtc: the instant a wall time names in the
// zone; "a time skipped by a DST jump moves forward by the jump; a repeated one means the first".
// utcToWallTime reads an instant's wall clock to the minute. So for any instant t:
//   wallTimeToUtc(utcToWallTime(t)) = the EARLIEST minute-aligned instant with t's wall time,
// which is t truncated to the minute, except in the second pass of a fall-back's repeated hour,
// where it is the first pass (earlier by the DST jump). A real instant's wall time is never in
// a gap, so the gap rule is checked by a second property over wall times.
// ---------------------------------------------------------------------------------------------

const ZONES = [
  "UTC",
  "America/New_York",
  "America/Los_Angeles",
  "America/St_Johns",
  "America/Santiago",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Paris",
  "Europe/Dublin",
  "Africa/Casablanca",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Tehran",
  "Australia/Adelaide",
  "Australia/Lord_Howe",
  "Pacific/Auckland",
  "Pacific/Chatham",
  "Antarctica/Troll",
] as const;

const FROM = at("2020-01-01T00:00:00Z");
const UNTIL = at("2036-01-01T00:00:00Z");

interface Transition {
  zone: string;
  at: number;
  before: number;
  after: number;
}

/** Every offset change of the zone in the range, found by the oracle (daily scan, then bisection to the minute). */
function transitions(zone: string): Transition[] {
  const found: Transition[] = [];
  let previous = offsetOf(FROM, zone);
  for (let day = FROM + DAY; day <= UNTIL; day += DAY) {
    const current = offsetOf(day, zone);
    if (current === previous) continue;
    let low = day - DAY; // offset `previous`
    let high = day; // offset `current`
    while (high - low > MINUTE) {
      const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
      if (offsetOf(mid, zone) === previous) low = mid;
      else high = mid;
    }
    found.push({ zone, at: high, before: previous, after: current });
    previous = current;
  }
  return found;
}

const TRANSITIONS = new Map<string, Transition[]>(ZONES.map((zone) => [zone, transitions(zone)] as const));

/** Every offset the zone uses in the range. */
const OFFSETS = new Map<string, number[]>(
  ZONES.map((zone) => {
    const seen = new Set([offsetOf(FROM, zone)]);
    for (const tr of TRANSITIONS.get(zone) ?? []) seen.add(tr.before).add(tr.after);
    return [zone, [...seen]] as const;
  }),
);

/** Every instant (to the minute) at which the zone's clock shows this wall time: none in a gap, two in an overlap. */
function readingsOf(wall: string, zone: string): number[] {
  const asUtc = Date.parse(`${wall}Z`);
  return (OFFSETS.get(zone) ?? [])
    .map((offset) => asUtc - offset * MINUTE)
    .filter((candidate) => wallOf(candidate, zone) === wall)
    .sort((a, b) => a - b);
}

describe("the oracle's view of the zones", () => {
  it("finds the transitions the tests rely on", () => {
    const ny = TRANSITIONS.get("America/New_York") ?? [];
    expect(ny).toHaveLength(32);
    expect(ny).toContainEqual({ zone: "America/New_York", at: at("2026-03-08T07:00:00Z"), before: -300, after: -240 });
    expect(ny).toContainEqual({ zone: "America/New_York", at: at("2026-11-01T06:00:00Z"), before: -240, after: -300 });
    expect(TRANSITIONS.get("Asia/Kolkata")).toEqual([]);
    expect(TRANSITIONS.get("Australia/Lord_Howe")).toContainEqual({
      zone: "Australia/Lord_Howe",
      at: at("2026-10-03T15:30:00Z"),
      before: 630,
      after: 660,
    });
  });
});

/** Instants across 2020-2035: a quarter uniform, the rest within two hours of a transition (where DST bites). */
const instantIn = (zone: string) => {
  const near = TRANSITIONS.get(zone) ?? [];
  const uniform = fc.integer({ min: FROM, max: UNTIL - 1 });
  if (near.length === 0) return uniform;
  return fc.oneof(
    { arbitrary: uniform, weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...near), fc.integer({ min: -2 * HOUR, max: 2 * HOUR - 1 }))
        .map(([transition, delta]) => transition.at + delta),
      weight: 3,
    },
  );
};

const zoneAndInstant = fc.constantFrom(...ZONES).chain((zone) => fc.tuple(fc.constant(zone), instantIn(zone)));

describe("properties", () => {
  it("utcToWallTime reads the zone's wall clock, to the minute", { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(zoneAndInstant, ([zone, t]) => {
        expect(utcToWallTime(new Date(t), zone)).toBe(wallOf(t, zone));
      }),
      { numRuns: 1000 },
    );
  });

  it("offsetMinutes agrees with the wall clock", { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(zoneAndInstant, ([zone, t]) => {
        expect(offsetMinutes(t, zone)).toBe(offsetOf(t, zone));
      }),
      { numRuns: 1000 },
    );
  });

  it("wallTimeToUtc(utcToWallTime(t)) is t to the minute, or the first pass of a repeated time", { timeout: 30_000 }, () => {
    let repeated = 0;
    fc.assert(
      fc.property(zoneAndInstant, ([zone, t]) => {
        const wall = utcToWallTime(new Date(t), zone);
        const truncated = Math.floor(t / MINUTE) * MINUTE;
        const earliest = Math.min(...readingsOf(wall, zone));
        expect(readingsOf(wall, zone)).toContain(truncated);
        if (earliest !== truncated) {
          repeated++;
          // Only in the repeated stretch after a fall-back, and earlier by exactly the jump.
          const fallBack = (TRANSITIONS.get(zone) ?? []).find(
            (tr) => tr.after < tr.before && truncated >= tr.at && truncated < tr.at + (tr.before - tr.after) * MINUTE,
          );
          expect(fallBack).toBeDefined();
          expect(truncated - earliest).toBe(((fallBack?.before ?? 0) - (fallBack?.after ?? 0)) * MINUTE);
        }
        expect(wallTimeToUtc(wall, zone).getTime()).toBe(earliest);
      }),
      { numRuns: 1000 },
    );
    // The exception must actually have been exercised.
    expect(repeated).toBeGreaterThan(20);
  });

  it("wallTimeToUtc(w) reads back as w, or as w moved forward by the jump when w was skipped", { timeout: 30_000 }, () => {
    const counts = { plain: 0, gap: 0, overlap: 0 };
    // Wall times near each transition, and uniform ones.
    const zoneAndWall = zoneAndInstant.map(([zone, t]) => [zone, wallOf(t, zone)] as const);
    fc.assert(
      fc.property(zoneAndWall, fc.integer({ min: -120, max: 120 }), ([zone, base], jitter) => {
        // Shift the wall time itself (not the instant), so wall times in gaps are drawn too.
        const wallMs = Date.parse(`${base}Z`) + jitter * MINUTE;
        const wall = new Date(wallMs).toISOString().slice(0, 16);
        const readings = readingsOf(wall, zone);
        const result = wallTimeToUtc(wall, zone).getTime();
        if (readings.length > 0) {
          if (readings.length > 1) counts.overlap++;
          else counts.plain++;
          expect(result).toBe(Math.min(...readings));
          expect(utcToWallTime(new Date(result), zone)).toBe(wall);
        } else {
          counts.gap++;
          const gap = (TRANSITIONS.get(zone) ?? []).find(
            (tr) => tr.after > tr.before && wallMs >= tr.at + tr.before * MINUTE && wallMs < tr.at + tr.after * MINUTE,
          );
          expect(gap).toBeDefined();
          const before = gap?.before ?? 0;
          const after = gap?.after ?? 0;
          expect(result).toBe(wallMs - before * MINUTE);
          const movedForward = new Date(wallMs + (after - before) * MINUTE).toISOString().slice(0, 16);
          expect(utcToWallTime(new Date(result), zone)).toBe(movedForward);
        }
      }),
      { numRuns: 1000 },
    );
    expect(counts.plain).toBeGreaterThan(100);
    expect(counts.gap).toBeGreaterThan(20);
    expect(counts.overlap).toBeGreaterThan(20);
  });
});
