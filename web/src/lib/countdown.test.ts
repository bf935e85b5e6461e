import { describe, expect, it } from "vitest";
import { clockSkewMs, formatSeconds, secondsLeft } from "./countdown";

const DEADLINE = "2026-11-26T10:00:30Z";
const at = (iso: string) => Date.parse(iso);

describe("secondsLeft", () => {
  it("counts whole seconds to the deadline", () => {
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:00Z"))).toBe(30);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:29Z"))).toBe(1);
  });

  it("rounds a part second up, as a countdown does", () => {
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:00.001Z"))).toBe(30);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:00.999Z"))).toBe(30);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:01Z"))).toBe(29);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:29.999Z"))).toBe(1);
  });

  it("is zero at the deadline and never negative after it", () => {
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:30Z"))).toBe(0);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:30.5Z"))).toBe(0);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:05:00Z"))).toBe(0);
    expect(Object.is(secondsLeft(DEADLINE, at("2026-11-26T10:00:30.5Z")), -0)).toBe(false);
  });

  it("reads the deadline against the server's clock when the client's runs fast", () => {
    // The client clock is 10 s ahead of the server's: its 10:00:10 is the server's 10:00:00.
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:10Z"), 10_000)).toBe(30);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:40Z"), 10_000)).toBe(0);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:39.5Z"), 10_000)).toBe(1);
  });

  it("reads the deadline against the server's clock when the client's runs slow", () => {
    // The client clock is 10 s behind: its 09:59:50 is the server's 10:00:00.
    expect(secondsLeft(DEADLINE, at("2026-11-26T09:59:50Z"), -10_000)).toBe(30);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:00Z"), -10_000)).toBe(20);
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:20Z"), -10_000)).toBe(0);
  });

  it("uses a skew measured by clockSkewMs", () => {
    const skew = clockSkewMs("2026-11-26T10:00:00Z", at("2026-11-26T10:00:04Z"));
    expect(secondsLeft(DEADLINE, at("2026-11-26T10:00:04Z"), skew)).toBe(30);
  });
});

describe("clockSkewMs", () => {
  it("is client minus server", () => {
    expect(clockSkewMs("2026-11-26T10:00:00Z", at("2026-11-26T10:00:02.5Z"))).toBe(2500);
    expect(clockSkewMs("2026-11-26T10:00:00Z", at("2026-11-26T09:59:57Z"))).toBe(-3000);
    expect(clockSkewMs("2026-11-26T10:00:00.250Z", at("2026-11-26T10:00:00.250Z"))).toBe(0);
  });

  it("honours the offset in the server's stamp", () => {
    expect(clockSkewMs("2026-11-26T11:00:00+01:00", at("2026-11-26T10:00:01Z"))).toBe(1000);
  });
});

describe("formatSeconds", () => {
  it("shows minutes and two-digit seconds", () => {
    expect(formatSeconds(0)).toBe("0:00");
    expect(formatSeconds(9)).toBe("0:09");
    expect(formatSeconds(59)).toBe("0:59");
    expect(formatSeconds(60)).toBe("1:00");
    expect(formatSeconds(90)).toBe("1:30");
    expect(formatSeconds(720)).toBe("12:00");
    expect(formatSeconds(3599)).toBe("59:59");
    expect(formatSeconds(3600)).toBe("60:00");
  });

  it("drops fractions and never shows a negative time", () => {
    expect(formatSeconds(9.99)).toBe("0:09");
    expect(formatSeconds(-1)).toBe("0:00");
    expect(formatSeconds(-0.5)).toBe("0:00");
  });
});
