import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  bucketLabels,
  csvHref,
  heatColours,
  isoWithOffset,
  localDate,
  percentText,
  presetRange,
  rangeInstants,
  rangeProblem,
  reportQuery,
  reportZone,
  secondsText,
  treeRows,
  type ReportFilters,
} from "./reports";

const PARIS = "Europe/Paris";
const NEW_YORK = "America/New_York";
const HOUR = 3_600_000;

describe("quick ranges", () => {
  it("are counted on the zone's calendar, not the browser's", () => {
    // 23:30 UTC on 25 October is already the 26th in Paris and still the 25th in New York.
    const now = new Date("2026-10-25T23:30:00Z");
    expect(presetRange("today", now, PARIS)).toEqual({ from: "2026-10-26", to: "2026-10-26" });
    expect(presetRange("today", now, NEW_YORK)).toEqual({ from: "2026-10-25", to: "2026-10-25" });
    expect(presetRange("yesterday", now, PARIS)).toEqual({ from: "2026-10-25", to: "2026-10-25" });
  });

  it("cover seven days, this month and last month, across a year's end", () => {
    const now = new Date("2027-01-03T12:00:00Z");
    expect(presetRange("last7", now, PARIS)).toEqual({ from: "2026-12-28", to: "2027-01-03" });
    expect(presetRange("thisMonth", now, PARIS)).toEqual({ from: "2027-01-01", to: "2027-01-03" });
    expect(presetRange("lastMonth", now, PARIS)).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    // A leap February, seen from March.
    expect(presetRange("lastMonth", new Date("2028-03-10T12:00:00Z"), PARIS)).toEqual({ from: "2028-02-01", to: "2028-02-29" });
  });

  it("span whole local days when the clocks change: 25 hours back, 23 forward", () => {
    const back = rangeInstants(presetRange("yesterday", new Date("2026-10-26T10:00:00Z"), PARIS), PARIS);
    expect(back).toEqual({ from: "2026-10-25T00:00:00+02:00", to: "2026-10-26T00:00:00+01:00" });
    expect(Date.parse(back.to) - Date.parse(back.from)).toBe(25 * HOUR);
    const forward = rangeInstants(presetRange("yesterday", new Date("2026-03-09T15:00:00Z"), NEW_YORK), NEW_YORK);
    expect(forward).toEqual({ from: "2026-03-08T00:00:00-05:00", to: "2026-03-09T00:00:00-04:00" });
    expect(Date.parse(forward.to) - Date.parse(forward.from)).toBe(23 * HOUR);
    // The week around the change holds one hour more than seven days.
    const week = rangeInstants(presetRange("last7", new Date("2026-10-27T08:00:00Z"), PARIS), PARIS);
    expect(week).toEqual({ from: "2026-10-21T00:00:00+02:00", to: "2026-10-28T00:00:00+01:00" });
    expect(Date.parse(week.to) - Date.parse(week.from)).toBe(7 * 24 * HOUR + HOUR);
  });

  it("always begin and end at a local midnight, from the first day to the day after the last", () => {
    const zones = fc.constantFrom(PARIS, NEW_YORK, "Australia/Lord_Howe", "Asia/Kolkata", "UTC");
    const presets = fc.constantFrom("today", "yesterday", "last7", "thisMonth", "lastMonth" as const);
    const instants = fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2035-01-01") });
    fc.assert(
      fc.property(zones, presets, instants, (zone, preset, ms) => {
        const range = presetRange(preset, new Date(ms), zone);
        expect(range.from <= range.to).toBe(true);
        expect(range.to <= localDate(new Date(ms), zone)).toBe(true);
        const spanned = rangeInstants(range, zone);
        expect(spanned.from.slice(0, 19)).toBe(`${range.from}T00:00:00`);
        expect(spanned.to.slice(0, 19)).toBe(`${addDays(range.to, 1)}T00:00:00`);
        // The offsets written are the zone's own at those instants.
        expect(isoWithOffset(new Date(spanned.from), zone)).toBe(spanned.from);
        expect(isoWithOffset(new Date(spanned.to), zone)).toBe(spanned.to);
      }),
    );
  });
});

describe("a range typed by hand", () => {
  it("is refused when a day is missing or the last comes first", () => {
    expect(rangeProblem({ from: "", to: "2026-10-25" })).toBe("Choose the first day of the range.");
    expect(rangeProblem({ from: "2026-10-25", to: "" })).toBe("Choose the last day of the range.");
    expect(rangeProblem({ from: "2026-10-25", to: "2026-10-24" })).toBe("The last day comes before the first day.");
    expect(rangeProblem({ from: "2026-10-25", to: "2026-10-25" })).toBeNull();
  });
});

describe("the query", () => {
  const filters: ReportFilters = { from: "2026-10-25", to: "2026-10-25", bucket: "hour", service: "cards", queue: "", agent: "ada", channel: "" };

  it("carries the range in the zone, the bucket, the zone and only the filters chosen", () => {
    expect(reportQuery(filters, PARIS)).toEqual({
      from: "2026-10-25T00:00:00+02:00",
      to: "2026-10-26T00:00:00+01:00",
      bucket: "hour",
      time_zone: PARIS,
      service: "cards",
      agent: "ada",
    });
  });

  it("downloads CSV with the same filters; reports without buckets are not sent one", () => {
    const query = reportQuery(filters, PARIS);
    const callbacks = new URL(csvHref("callbacks", query), "http://desk");
    expect(callbacks.pathname).toBe("/api/v1/reports/callbacks");
    expect(Object.fromEntries(callbacks.searchParams)).toEqual({ ...query, format: "csv" });
    const answers = new URL(csvHref("answer-rate", query), "http://desk");
    expect(answers.searchParams.get("bucket")).toBeNull();
    expect(answers.searchParams.get("from")).toBe("2026-10-25T00:00:00+02:00");
    expect(answers.searchParams.get("format")).toBe("csv");
  });

  it("is counted in the chosen service's zone, else the one all share, else the supervisor's", () => {
    const services = [
      { name: "cards", time_zone: NEW_YORK },
      { name: "quick", time_zone: "Europe/London" },
    ];
    expect(reportZone(services, "quick", PARIS)).toBe("Europe/London");
    expect(reportZone(services, "", PARIS)).toBe(PARIS);
    expect(reportZone([services[0] as (typeof services)[0], { name: "b", time_zone: NEW_YORK }], "", PARIS)).toBe(NEW_YORK);
  });
});

describe("bucket labels", () => {
  it("name the hour seen twice when the clocks go back by its zone", () => {
    const starts = ["2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"];
    const labels = bucketLabels(starts, "hour", PARIS);
    expect(labels[0]).toBe("Sun 25 Oct, 01:00");
    expect(labels[3]).toBe("Sun 25 Oct, 03:00");
    expect(labels[1]).toMatch(/^Sun 25 Oct, 02:00 (CEST|GMT\+2)$/);
    expect(labels[2]).toMatch(/^Sun 25 Oct, 02:00 (CET|GMT\+1)$/);
  });

  it("are days and weeks by their first day, with the year only when the range spans two", () => {
    expect(bucketLabels(["2026-10-25T00:00:00+02:00"], "day", PARIS)).toEqual(["Sun 25 Oct"]);
    expect(bucketLabels(["2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00"], "week", PARIS)).toEqual(["Week of 19 Oct", "Week of 26 Oct"]);
    expect(bucketLabels(["2026-12-31T00:00:00+01:00", "2027-01-01T00:00:00+01:00"], "day", PARIS)).toEqual(["Thu 31 Dec 2026", "Fri 1 Jan 2027"]);
    expect(bucketLabels(["2026-10-25T10:15:00-04:00"], "15min", NEW_YORK)).toEqual(["Sun 25 Oct, 10:15"]);
  });
});

describe("figures in words", () => {
  it("show shares and durations, and a dash for nothing counted", () => {
    expect(percentText(0.8333)).toBe("83 %");
    expect(percentText(null)).toBe("—");
    expect(secondsText(45)).toBe("45 s");
    expect(secondsText(200)).toBe("3 min 20 s");
    expect(secondsText(600)).toBe("10 min");
    expect(secondsText(4500)).toBe("1 h 15 min");
    expect(secondsText(null)).toBe("—");
  });

  it("lay the disposition tree out parents first, with depths", () => {
    const tree = [
      { code: "sale", label: "Sale", count: 1, total: 2, children: [{ code: "sale-upsell", label: "Upsell", count: 1, total: 1, children: [] }] },
      { code: "none", label: "Nothing", count: 0, total: 0, children: [] },
    ];
    expect(treeRows(tree).map((r) => [r.code, r.depth, r.total])).toEqual([
      ["sale", 0, 2],
      ["sale-upsell", 1, 1],
      ["none", 0, 0],
    ]);
  });
});

describe("heatmap colours", () => {
  // WCAG's contrast ratio, computed from the colour the cell is painted with.
  function rgb(colour: string): [number, number, number] {
    if (colour.startsWith("#")) return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16) / 255) as [number, number, number];
    const [h, s, l] = (/hsl\((\d+) (\d+)% (\d+)%\)/.exec(colour) as RegExpExecArray).slice(1).map(Number) as [number, number, number];
    const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
    const f = (n: number) => {
      const k = (n + h / 30) % 12;
      return l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    };
    return [f(0), f(8), f(4)];
  }
  const luminance = (c: [number, number, number]) =>
    c.map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4)).reduce((sum, x, i) => sum + x * ([0.2126, 0.7152, 0.0722][i] as number), 0);
  const contrast = (a: string, b: string) => {
    const [hi, lo] = [luminance(rgb(a)), luminance(rgb(b))].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };

  it("keep the number readable on every shade (4.5:1)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (rate) => {
        const { background, color } = heatColours(rate);
        expect(contrast(background, color)).toBeGreaterThanOrEqual(4.5);
      }),
    );
    const empty = heatColours(null);
    expect(contrast(empty.background, empty.color)).toBeGreaterThanOrEqual(4.5);
  });

  it("grow darker as more calls are answered", () => {
    const lightness = (rate: number) => Number(/(\d+)%\)$/.exec(heatColours(rate).background)?.[1]);
    expect(lightness(0)).toBeGreaterThan(lightness(0.4));
    expect(lightness(0.4)).toBeGreaterThan(lightness(0.6));
    expect(lightness(0.6)).toBeGreaterThan(lightness(1));
  });
});
