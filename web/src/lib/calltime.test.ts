import { describe, expect, it } from "vitest";
import { callClock, formatElapsed, secondsSince } from "./calltime";

const entry = (at: string, kind: string, detail: Record<string, unknown> = {}) => ({ at: `2026-11-26T10:${at}Z`, kind, detail });
const state = (at: string, callState: string) => entry(at, "call_state", { state: callState, cause: null });
const UPDATED = "2026-11-26T10:59:00Z";

const FIRST_CALL = [
  entry("00:00", "offered", { agent: "ada" }),
  entry("00:05", "accepted"),
  entry("00:05", "dial", { number: "+12125550142", attempt: 1 }),
  state("00:05", "dialing"),
  state("00:06", "ringing"),
  state("00:08", "connected"),
  entry("00:08", "dial_result", { result: "answered" }),
];

describe("callClock", () => {
  it("times the call from its connection", () => {
    expect(callClock("connected", FIRST_CALL, UPDATED)).toEqual({ callSince: "2026-11-26T10:00:08Z", holdSince: null });
  });

  it("times the hold from its start, and the call still from its connection", () => {
    const held = [...FIRST_CALL, entry("01:00", "hold"), state("01:01", "held")];
    expect(callClock("on_hold", held, UPDATED)).toEqual({ callSince: "2026-11-26T10:00:08Z", holdSince: "2026-11-26T10:01:01Z" });
  });

  it("drops the hold once the call is resumed, and times the next hold afresh", () => {
    const resumed = [...FIRST_CALL, state("01:01", "held"), state("02:00", "connected")];
    expect(callClock("connected", resumed, UPDATED)).toEqual({ callSince: "2026-11-26T10:00:08Z", holdSince: null });
    expect(callClock("on_hold", [...resumed, state("03:00", "held")], UPDATED).holdSince).toBe("2026-11-26T10:03:00Z");
  });

  it("starts again with a new call after the last one ended", () => {
    const again = [...FIRST_CALL, state("04:00", "released"), entry("05:00", "dial", { number: "+1", attempt: 2 }), state("05:01", "ringing"), state("05:03", "connected")];
    expect(callClock("connected", again, UPDATED).callSince).toBe("2026-11-26T10:05:03Z");
  });

  it("keeps the call's start across a conference that leaves it connected", () => {
    const conference = [...FIRST_CALL, entry("02:00", "conference", { target: "place:1002" }), state("02:05", "connected")];
    expect(callClock("connected", conference, UPDATED).callSince).toBe("2026-11-26T10:00:08Z");
  });

  it("times a call received in a transfer from its arrival", () => {
    expect(callClock("connected", [entry("07:00", "transferred_in", { source: "x" })], UPDATED).callSince).toBe("2026-11-26T10:07:00Z");
  });

  it("uses the last change of the interaction while its history is not read yet", () => {
    expect(callClock("connected", [], UPDATED)).toEqual({ callSince: UPDATED, holdSince: null });
    // On hold, but the history read before the hold ends connected.
    expect(callClock("on_hold", FIRST_CALL, UPDATED)).toEqual({ callSince: "2026-11-26T10:00:08Z", holdSince: UPDATED });
    // Connected again after a redial, the history still ends with the last call's release.
    expect(callClock("connected", [...FIRST_CALL, state("04:00", "released")], UPDATED).callSince).toBe(UPDATED);
  });

  it("has nothing to time outside a call", () => {
    for (const s of ["offered", "preview", "dialing", "ringing", "ready_to_call", "transferred", "done"]) {
      expect(callClock(s, FIRST_CALL, UPDATED)).toEqual({ callSince: null, holdSince: null });
    }
  });
});

describe("secondsSince", () => {
  const SINCE = "2026-11-26T10:00:00Z";
  it("counts whole seconds, rounding down as a clock does", () => {
    expect(secondsSince(SINCE, Date.parse("2026-11-26T10:00:00.999Z"))).toBe(0);
    expect(secondsSince(SINCE, Date.parse("2026-11-26T10:01:05.5Z"))).toBe(65);
  });

  it("reads against the server's clock", () => {
    // The client runs 3 s fast: its 10:00:13 is the server's 10:00:10.
    expect(secondsSince(SINCE, Date.parse("2026-11-26T10:00:13Z"), 3000)).toBe(10);
    // ...and 3 s slow.
    expect(secondsSince(SINCE, Date.parse("2026-11-26T10:00:07Z"), -3000)).toBe(10);
  });

  it("is never negative when the client's clock lags the stamp", () => {
    expect(secondsSince(SINCE, Date.parse("2026-11-26T09:59:58Z"))).toBe(0);
  });
});

describe("formatElapsed", () => {
  it("shows minutes and seconds, then hours", () => {
    expect(formatElapsed(0)).toBe("0:00");
    expect(formatElapsed(7)).toBe("0:07");
    expect(formatElapsed(59)).toBe("0:59");
    expect(formatElapsed(60)).toBe("1:00");
    expect(formatElapsed(765)).toBe("12:45");
    expect(formatElapsed(3599)).toBe("59:59");
    expect(formatElapsed(3600)).toBe("1:00:00");
    expect(formatElapsed(3723)).toBe("1:02:03");
    expect(formatElapsed(36000 + 59)).toBe("10:00:59");
  });

  it("drops fractions and never shows a negative time", () => {
    expect(formatElapsed(7.9)).toBe("0:07");
    expect(formatElapsed(-5)).toBe("0:00");
  });
});
