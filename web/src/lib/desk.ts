// The agent's desk as the event stream and the initial load describe it: a pure reducer.
import type { ChannelStatus, Interaction } from "../api/client";

export interface StreamEvent {
  id: number;
  topic: string;
  at: string;
  payload: Record<string, unknown>;
}

export type NoticeKind = "info" | "warning";

export interface Notice {
  key: string;
  kind: NoticeKind;
  text: string;
  /** The interaction it is about, when the agent may want to open it. */
  interactionId?: string;
}

export interface DeskState {
  agentId: number | null;
  interactions: Record<string, Interaction>;
  statuses: Record<string, ChannelStatus>;
  lastEventId: number | null;
  notices: Notice[];
}

export const FINAL_STATES = new Set(["done", "rejected", "timed_out", "withdrawn"]);

export const emptyDesk: DeskState = {
  agentId: null,
  interactions: {},
  statuses: {},
  lastEventId: null,
  notices: [],
};

export type DeskAction =
  | { type: "loaded"; agentId: number; statuses: ChannelStatus[]; interactions: Interaction[] }
  | { type: "event"; event: StreamEvent }
  | { type: "interaction"; interaction: Interaction }
  | { type: "statuses"; statuses: ChannelStatus[] }
  | { type: "dismiss"; key: string };

// A record replaces a known one only if it is newer: this, not the event id, orders the desk,
// because event ids may commit out of order (PostgreSQL) and the server replays around them.
const newer = (a: string, b: string | undefined) => b === undefined || Date.parse(a) > Date.parse(b);

function notify(state: DeskState, notice: Notice): Notice[] {
  return state.notices.some((n) => n.key === notice.key) ? state.notices : [...state.notices, notice];
}

function putInteraction(state: DeskState, next: Interaction): DeskState {
  const known = state.interactions[next.id];
  if (known && !newer(next.updated_at, known.updated_at)) return state;
  let notices = state.notices;
  if (known?.state === "offered" && next.state === "timed_out") {
    const what = known.on_offer_timeout ?? "it went back to the queue";
    notices = [...notices, { key: `timeout-${next.id}`, kind: "warning", text: `You did not answer the offer for ${name(next)} in time: ${what}.` }];
  }
  if (known && known.state !== "withdrawn" && next.state === "withdrawn") {
    notices = [...notices, { key: `withdrawn-${next.id}`, kind: "info", text: `${name(next)} cancelled the callback request.` }];
  }
  return { ...state, notices, interactions: { ...state.interactions, [next.id]: next } };
}

function putStatus(state: DeskState, next: ChannelStatus): DeskState {
  const known = state.statuses[next.channel];
  if (known && !newer(next.since, known.since)) return state;
  return { ...state, statuses: { ...state.statuses, [next.channel]: next } };
}

function name(interaction: Interaction): string {
  return interaction.callback.name || interaction.callback.phone;
}

export function deskReducer(state: DeskState, action: DeskAction): DeskState {
  switch (action.type) {
    case "loaded": {
      let next: DeskState = { ...state, agentId: action.agentId };
      for (const status of action.statuses) next = putStatus(next, status);
      for (const interaction of action.interactions) next = putInteraction(next, interaction);
      return next;
    }
    case "interaction":
      return putInteraction(state, action.interaction);
    case "statuses":
      return action.statuses.reduce(putStatus, state);
    case "dismiss":
      return { ...state, notices: state.notices.filter((n) => n.key !== action.key) };
    case "event": {
      const { event } = action;
      const lastEventId = Math.max(event.id, state.lastEventId ?? event.id);
      let next: DeskState = lastEventId === state.lastEventId ? state : { ...state, lastEventId };
      const payload = event.payload;
      // Supervisors receive every agent's events; the desk shows only its own.
      if (next.agentId !== null && payload.agent_id !== undefined && payload.agent_id !== next.agentId) {
        return next;
      }
      if (event.topic === "agent.status") {
        next = putStatus(next, payload as unknown as ChannelStatus);
      } else if (event.topic.startsWith("interaction.")) {
        next = putInteraction(next, payload as unknown as Interaction);
        if (event.topic === "interaction.transferred" || event.topic === "interaction.joined") {
          const arrived = payload as unknown as Interaction;
          const notices = notify(next, { key: `in-${arrived.id}`, kind: "info", text: handoverText(arrived), interactionId: arrived.id });
          if (notices !== next.notices) next = { ...next, notices };
        }
      }
      return next;
    }
  }
}

/** What the agent is told when a colleague hands them a call: who, and why. */
export function handoverText(arrived: Interaction): string {
  const h = arrived.handover;
  const who = h?.agent_name || h?.agent || "A colleague";
  const why = h?.reason ? `: “${h.reason.trim().replace(/\.$/, "")}”.` : ".";
  if (h?.how === "conference") return `${who} brought you into a call with ${name(arrived)}${why}`;
  return `${who} transferred a call with ${name(arrived)} to you${why}`;
}

/** The interaction on screen: the one the agent picked while it is still open, else the newest.
 * A call that arrives later (a transfer) does not take its place: it is announced instead. */
export function keepShown(open: Interaction[], picked: string | null): string | null {
  if (picked !== null && open.some((i) => i.id === picked)) return picked;
  return open[open.length - 1]?.id ?? null;
}

/** Offers on the screen, oldest first. */
export function offers(state: DeskState): Interaction[] {
  return Object.values(state.interactions)
    .filter((i) => i.state === "offered")
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Accepted interactions still on the desk (not yet marked done), oldest first. */
export function openInteractions(state: DeskState): Interaction[] {
  return Object.values(state.interactions)
    .filter((i) => i.state !== "offered" && !FINAL_STATES.has(i.state))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}
