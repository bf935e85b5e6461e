import { describe, expect, it } from "vitest";
import {
  bucketLabel,
  chartSummary,
  crossingText,
  durationText,
  explainPriority,
  pageRange,
  risenQueues,
  waitingQuery,
  type Crossing,
  type Level,
} from "./supervisor";

describe("durationText", () => {
  it("says seconds, minutes, then hours and minutes", () => {
    expect(durationText(45)).toBe("45 s");
    expect(durationText(60)).toBe("1 min");
    expect(durationText(16 * 60 + 59)).toBe("16 min");
    expect(durationText(3900)).toBe("1 h 05 min");
    expect(durationText(-3)).toBe("0 s");
  });
});

describe("explainPriority", () => {
  it("writes the effective priority as the base plus what waiting added", () => {
    const explained = explainPriority({ priority: 95, effective_priority: 103.2, priority_aging_per_minute: 0.5, wait_seconds: 16 * 60 + 25 });
    expect(explained).toEqual({
      now: 103,
      short: "95 + 8 for 16 min waiting",
      long: "Priority 95, plus 0.5 points for each minute in the queue (this service's aging): 8 after 16 min, so routing ranks it 103 now.",
    });
  });

  it("says when a service does not age its callbacks", () => {
    const explained = explainPriority({ priority: 60, effective_priority: 60, priority_aging_per_minute: 0, wait_seconds: 600 });
    expect(explained?.short).toBe("60 (no aging on this service)");
  });

  it("has nothing to explain for a callback that is not in the queue", () => {
    expect(explainPriority({ priority: 80, effective_priority: null, priority_aging_per_minute: 1, wait_seconds: null })).toBeNull();
  });
});

describe("thresholds in words", () => {
  const oldest: Crossing = { measure: "oldest_wait", level: "breach", value: 960, threshold: 900 };
  const late: Crossing = { measure: "late", level: "warning", value: 3, threshold: 1 };

  it("names the measure, its value and the limit it reached", () => {
    expect(crossingText(oldest)).toBe("Oldest wait 16 min (breach at 15 min)");
    expect(crossingText(late)).toBe("3 callbacks late (warning at 1)");
    expect(crossingText({ ...late, value: 1 })).toBe("1 callback late (warning at 1)");
  });

  it("raises a notice once per rise, and again after the queue was back to OK", () => {
    const queue = (level: Level, crossings: Crossing[] = []) => [{ service: "cards", display_name: "Card services", level, crossings }];
    let seen: Record<string, Level> = {};
    let step = risenQueues(seen, queue("warning", [late]));
    expect(step.notices).toEqual([{ service: "cards", level: "warning", text: "Card services needs attention: 3 callbacks late (warning at 1)." }]);
    seen = step.remembered;
    expect(risenQueues(seen, queue("warning", [late])).notices).toEqual([]);
    step = risenQueues(seen, queue("breach", [oldest, late]));
    expect(step.notices.map((n) => n.text)).toEqual(["Card services is in breach: Oldest wait 16 min (breach at 15 min); 3 callbacks late (warning at 1)."]);
    seen = step.remembered;
    // Easing from breach to warning is no news; back to OK, a new crossing is.
    step = risenQueues(seen, queue("warning", [late]));
    expect(step.notices).toEqual([]);
    expect(step.remembered).toEqual({ cards: "breach" });
    seen = risenQueues(step.remembered, queue("ok")).remembered;
    expect(seen).toEqual({});
    expect(risenQueues(seen, queue("warning", [late])).notices).toHaveLength(1);
  });
});

describe("waitingQuery", () => {
  it("leaves out the filters that are not set", () => {
    expect(waitingQuery({ service: "", state: "", minWaitSeconds: 0, sort: "waiting" }, 25, null)).toEqual({ sort: "waiting", limit: 25 });
  });

  it("passes the filters, the sort and the cursor the server gave", () => {
    expect(waitingQuery({ service: "cards", state: "queued", minWaitSeconds: 300, sort: "priority" }, 25, "abc")).toEqual({
      service: "cards",
      state: ["queued"],
      min_wait_seconds: 300,
      sort: "priority",
      limit: 25,
      cursor: "abc",
    });
  });

  it("says which part of the list is on screen", () => {
    expect(pageRange(0, 25, 57)).toBe("1–25 of 57");
    expect(pageRange(50, 7, 57)).toBe("51–57 of 57");
    expect(pageRange(0, 0, 0)).toBe("None");
  });
});

describe("charts", () => {
  it("labels buckets in the supervisor's zone", () => {
    expect(bucketLabel("2026-12-07T15:05:00Z", "UTC")).toBe("15:05");
    expect(bucketLabel("2026-12-07T15:05:00Z", "America/New_York")).toBe("10:05");
  });

  it("sums a queue's chart up in one sentence", () => {
    const text = chartSummary("Card services", 4, { waiting: [0, 3, 2], offered: [0, 2, 1], answered: [0, 1, 1], failed: [0, 0, 1] });
    expect(text).toBe("Card services, last 4 hours: 2 waiting now (at most 3); 3 offered, 2 answered, 1 failed.");
  });
});
