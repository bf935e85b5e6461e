// The Workspace event stream: reconnects by itself and resumes after the last event seen.
import type { StreamEvent } from "./desk";

export type Connection = "connecting" | "open" | "lost" | "ended";

export interface StreamHandlers {
  onEvent(event: StreamEvent, receivedAtMs: number): void;
  onConnection(state: Connection, reason?: string): void;
  /** After every (re)connection is open: a chance to reload state. */
  onOpen?(): void;
}

// The server closes with these when reconnecting cannot help: the session is gone (4401), or
// the page's origin may not use the session cookie (4403, a proxy that rewrites the origin).
const FINAL_CLOSE_CODES = new Set([4401, 4403]);

/** Whether the server closed the stream for good, so that reconnecting would be refused again. */
export function isFinalClose(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code);
}

export function eventsUrl(origin: string, after: number | null): string {
  const url = new URL("/api/v1/workspace/events", origin.replace(/^http/, "ws"));
  if (after !== null) url.searchParams.set("after", String(after));
  return url.toString();
}

/** Backoff for the n-th reconnection attempt: 0.5 s doubling up to 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(5000, 500 * 2 ** Math.max(0, attempt));
}

export class EventStream {
  private socket: WebSocket | null = null;
  private lastId: number | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly handlers: StreamHandlers) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
  }

  private connect(): void {
    this.handlers.onConnection(this.attempt === 0 ? "connecting" : "lost");
    const socket = new WebSocket(eventsUrl(location.origin, this.lastId));
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.handlers.onConnection("open");
      this.handlers.onOpen?.();
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as StreamEvent;
      this.lastId = event.id;
      this.handlers.onEvent(event, Date.now());
    };
    socket.onclose = (closed) => {
      if (this.socket !== socket || this.stopped) return;
      if (isFinalClose(closed.code)) {
        this.handlers.onConnection("ended", closed.reason);
        return;
      }
      this.handlers.onConnection("lost");
      this.timer = setTimeout(() => this.connect(), reconnectDelayMs(this.attempt++));
    };
  }
}
