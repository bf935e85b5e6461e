// The desk with no interaction on it: what the agent is waiting for, or how to start receiving.
import { useEffect, useState } from "react";
import { api, unwrap, type ChannelStatus } from "../api/client";
import { browserZone } from "../lib/time";
import { emptyDeskText, readyChannels, type MyQueue } from "../lib/waiting";

// Queues change as customers ask; a Ready agent's figures follow within this.
const POLL_MS = 10_000;

/** `offers`: the ids of the offers on screen; when they change, so did the queues: read them again. */
export function EmptyDesk({ statuses, offers }: { statuses: Record<string, ChannelStatus>; offers: string }) {
  const listed = Object.values(statuses);
  const ready = readyChannels(listed).join(",");
  const [queues, setQueues] = useState<MyQueue[] | null>(null);

  useEffect(() => {
    // Read only while Ready: the words for Not Ready need no figures.
    if (!ready) return;
    let live = true;
    const read = () =>
      unwrap(api.GET("/api/v1/workspace/queues"))
        .then((mine) => live && setQueues(mine))
        .catch(() => live && setQueues(null)); // the figures wait for the next read
    void read();
    const timer = setInterval(read, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [ready, offers]);

  const lines = emptyDeskText(listed, queues, browserZone());
  return (
    <section className="empty" aria-label="Waiting for callbacks">
      <p>No interaction on your desk.</p>
      {lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
    </section>
  );
}
