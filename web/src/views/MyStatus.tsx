// My Status: one control per channel, with the Not Ready reasons and After Call Work.
import { api, unwrap, type ChannelStatus } from "../api/client";
import { formatSeconds, secondsLeft } from "../lib/countdown";
import { AGENT_STATUS, CHANNELS, label, statusReason } from "../lib/labels";
import type { Act } from "./Desk";
import { useLoaded, useNow } from "./common";

const CHANNEL_ORDER = ["voice", "webcallback"] as const;

export function MyStatus({ statuses, act, skewMs }: { statuses: Record<string, ChannelStatus>; act: Act; skewMs: number }) {
  const reasons = useLoaded(() => unwrap(api.GET("/api/v1/workspace/not-ready-reasons")), []);
  const now = useNow(500);

  function choose(channel: (typeof CHANNEL_ORDER)[number], value: string) {
    const [status, reason] = value.split(":", 2) as ["ready" | "not_ready" | "logged_out", string | undefined];
    void act(() =>
      unwrap(
        api.PUT("/api/v1/workspace/status/{channel}", {
          params: { path: { channel } },
          body: { status, reason: reason ?? null },
        }),
      ),
    );
  }

  return (
    <section className="my-status" aria-label="My Status">
      {CHANNEL_ORDER.map((channel) => {
        const status = statuses[channel];
        if (!status) return null;
        const value = status.status === "not_ready" && status.reason && reasons.data?.some((r) => r.code === status.reason) ? `not_ready:${status.reason}` : status.status;
        const acw = status.status === "after_call_work" && status.acw_until ? secondsLeft(status.acw_until, now, skewMs) : null;
        return (
          <div key={channel} className={`channel status-${status.status}`}>
            <label>
              {label(CHANNELS, channel)}
              <select aria-label={`${label(CHANNELS, channel)} status`} value={value} onChange={(e) => choose(channel, e.target.value)}>
                <option value="ready">Ready</option>
                <option value="not_ready">Not Ready</option>
                {(reasons.data ?? []).map((reason) => (
                  <option key={reason.code} value={`not_ready:${reason.code}`}>
                    Not Ready — {reason.label}
                  </option>
                ))}
                {status.status === "after_call_work" && (
                  <option value="after_call_work" disabled>
                    After Call Work
                  </option>
                )}
                <option value="logged_out">Logged Out</option>
              </select>
            </label>
            <span className="status-text" aria-live="polite" aria-label={`${label(CHANNELS, channel)}: ${label(AGENT_STATUS, status.status)}`}>
              {status.busy ? "Busy" : ""}
              {status.status === "not_ready" && status.reason && !value.includes(":") ? statusReason(status.reason) : ""}
              {acw !== null ? `${formatSeconds(acw)} left` : ""}
            </span>
          </div>
        );
      })}
    </section>
  );
}
