// What an empty desk tells the agent: what they are waiting for, or how to start receiving.
import { AGENT_STATUS, CHANNELS, label } from "./labels";
import { formatInZone } from "./time";

/** A channel's status as the desk knows it (ChannelStatusRead's fields read here). */
export interface ChannelState {
  channel: string;
  status: string;
}

/** One of the agent's queues (the Workspace API's MyQueueRead, the fields read here). */
export interface MyQueue {
  service: string;
  display_name: string;
  channel: string;
  waiting: number;
  scheduled: number;
  next_scheduled_at?: string | null;
}

const CHANNEL_ORDER = ["voice", "webcallback"];

function byChannel(a: ChannelState, b: ChannelState): number {
  return CHANNEL_ORDER.indexOf(a.channel) - CHANNEL_ORDER.indexOf(b.channel);
}

/** "Voice", "Voice and Web Callback". */
function channelList(channels: string[]): string {
  const names = channels.map((c) => label(CHANNELS, c));
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The channels the agent is Ready on, in My Status's order. */
export function readyChannels(statuses: ChannelState[]): string[] {
  return [...statuses].sort(byChannel).filter((s) => s.status === "ready").map((s) => s.channel);
}

function callbacks(n: number): string {
  return n === 1 ? "1 callback" : `${n} callbacks`;
}

/** What is waiting in the agent's queues on the channels they are Ready on. */
function whatWaits(channels: string[], queues: MyQueue[], zone: string): string[] {
  const mine = queues.filter((q) => channels.includes(q.channel));
  if (mine.length === 0) {
    return [`None of your queues takes ${channelList(channels)} callbacks: a supervisor can give you the skills a queue needs.`];
  }
  const waiting = mine.reduce((sum, q) => sum + q.waiting, 0);
  const where = mine.filter((q) => q.waiting > 0);
  const which = where.length === 1 ? where[0]?.display_name : where.map((q) => `${q.display_name} ${q.waiting}`).join(", ");
  const lines = [waiting === 0 ? "No callback waits in your queues now." : `${callbacks(waiting)} ${waiting === 1 ? "waits" : "wait"} in your queues (${which}).`];
  const next = mine
    .filter((q): q is MyQueue & { next_scheduled_at: string } => Boolean(q.next_scheduled_at))
    .sort((a, b) => Date.parse(a.next_scheduled_at) - Date.parse(b.next_scheduled_at))[0];
  lines.push(
    next
      ? `The next scheduled callback is due ${formatInZone(next.next_scheduled_at, zone)} (${next.display_name}).`
      : "No callback is scheduled in your queues.",
  );
  return lines;
}

/**
 * The empty desk's words. Ready on a channel: what waits in the agent's queues there and when
 * the next scheduled callback is due, in ``zone``. Otherwise: how to become Ready.
 * ``queues`` is null until they are read.
 */
export function emptyDeskText(statuses: ChannelState[], queues: MyQueue[] | null, zone: string): string[] {
  const ready = readyChannels(statuses);
  if (ready.length > 0) {
    const first = `You are Ready on ${channelList(ready)}: callbacks from your queues are offered to you as they come.`;
    return queues === null ? [first] : [first, ...whatWaits(ready, queues, zone)];
  }
  const wrapping = [...statuses].sort(byChannel).filter((s) => s.status === "after_call_work");
  if (wrapping.length > 0) {
    return [
      `You are in After Call Work on ${channelList(wrapping.map((s) => s.channel))}: no callback is offered to you until it ends.`,
      "To receive callbacks now, choose Ready in My Status, at the top of the page.",
    ];
  }
  if (statuses.length === 0) return [];
  const sorted = [...statuses].sort(byChannel);
  const how = sorted.map((s) => `${label(CHANNELS, s.channel)}: ${label(AGENT_STATUS, s.status)}`);
  return [
    `You are not Ready on any channel (${how.join(", ")}), so no callback is offered to you.`,
    `To receive callbacks, choose Ready under My Status, at the top of the page, for ${sorted.map((s) => label(CHANNELS, s.channel)).join(" or ")}.`,
  ];
}
