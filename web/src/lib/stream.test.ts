import { describe, expect, it } from "vitest";
import { eventsUrl, isFinalClose, reconnectDelayMs } from "./stream";

describe("eventsUrl", () => {
  it("turns http into ws and https into wss", () => {
    expect(eventsUrl("http://localhost:5173", null)).toBe("ws://localhost:5173/api/v1/workspace/events");
    expect(eventsUrl("https://ringback.example.com", null)).toBe("wss://ringback.example.com/api/v1/workspace/events");
  });

  it("resumes after the last event seen", () => {
    expect(eventsUrl("https://ringback.example.com", 42)).toBe(
      "wss://ringback.example.com/api/v1/workspace/events?after=42",
    );
    expect(eventsUrl("http://127.0.0.1:8000", 0)).toBe("ws://127.0.0.1:8000/api/v1/workspace/events?after=0");
  });

  it("keeps the host when it contains 'http'", () => {
    expect(eventsUrl("https://http.example.com", 7)).toBe("wss://http.example.com/api/v1/workspace/events?after=7");
  });
});

describe("reconnectDelayMs", () => {
  it("starts at half a second and doubles", () => {
    expect(reconnectDelayMs(0)).toBe(500);
    expect(reconnectDelayMs(1)).toBe(1000);
    expect(reconnectDelayMs(2)).toBe(2000);
    expect(reconnectDelayMs(3)).toBe(4000);
  });

  it("is capped at five seconds", () => {
    expect(reconnectDelayMs(4)).toBe(5000);
    expect(reconnectDelayMs(10)).toBe(5000);
    expect(reconnectDelayMs(1000)).toBe(5000);
  });

  it("treats a negative attempt as the first", () => {
    expect(reconnectDelayMs(-3)).toBe(500);
  });
});

describe("isFinalClose", () => {
  it("stops on an ended session and on a refused origin", () => {
    expect(isFinalClose(4401)).toBe(true);
    expect(isFinalClose(4403)).toBe(true);
  });

  it("reconnects after a lost connection or a slow reader", () => {
    expect(isFinalClose(1006)).toBe(false);
    expect(isFinalClose(1001)).toBe(false);
    expect(isFinalClose(4408)).toBe(false);
  });
});
