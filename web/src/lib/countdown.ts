// The offer countdown, read against the server's clock.

/** Client clock minus server clock, from an event stamped by the server as it was sent. */
export function clockSkewMs(serverStamp: string, receivedAtMs: number): number {
  return receivedAtMs - Date.parse(serverStamp);
}

/** Whole seconds left until the deadline (never negative), rounding up as a countdown does. */
export function secondsLeft(deadline: string, nowMs: number, skewMs = 0): number {
  const left = Date.parse(deadline) - (nowMs - skewMs);
  return Math.max(0, Math.ceil(left / 1000));
}

/** "0:09", "1:30", "12:00". */
export function formatSeconds(total: number): string {
  const seconds = Math.max(0, Math.floor(total));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
