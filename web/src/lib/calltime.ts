// How long the call, and its hold, have lasted: from the server's stamps in the case history.

type Entry = { at: string; kind: string; detail: Record<string, unknown> };

export type CallClock = { callSince: string | null; holdSince: string | null };

/** When the current call connected and, on hold, when the hold began, read from the case history
 * (the switch's call states). `updatedAt` stands in for what the history does not show yet: the
 * interaction changed state then, and its history is read again after each change. */
export function callClock(state: string, history: Entry[], updatedAt: string): CallClock {
  if (state !== "connected" && state !== "on_hold") return { callSince: null, holdSince: null };
  let callSince: string | null = null;
  let holdSince: string | null = null;
  for (const entry of history) {
    const callState = entry.kind === "call_state" ? entry.detail.state : null;
    if (entry.kind === "dial" || callState === "released") {
      callSince = holdSince = null;
    } else if (entry.kind === "transferred_in") {
      // The customer came from a colleague: the call began here for this agent.
      callSince = entry.at;
      holdSince = null;
    } else if (callState === "connected") {
      callSince ??= entry.at;
      holdSince = null;
    } else if (callState === "held") {
      holdSince ??= entry.at;
    }
  }
  return { callSince: callSince ?? updatedAt, holdSince: state === "on_hold" ? (holdSince ?? updatedAt) : null };
}

/** Whole seconds since `since`, read against the server's clock (never negative). */
export function secondsSince(since: string, nowMs: number, skewMs = 0): number {
  return Math.max(0, Math.floor((nowMs - skewMs - Date.parse(since)) / 1000));
}

/** "0:07", "12:45", "1:02:03". */
export function formatElapsed(total: number): string {
  const seconds = Math.max(0, Math.floor(total));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
