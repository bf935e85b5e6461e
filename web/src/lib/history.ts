// The case history, written as a colleague would write it: one sentence per entry.
import { DIAL_RESULT, addressLabel, label } from "./labels";

export type CaseEntryLike = { at: string; actor: string; actor_name?: string | null; kind: string; detail: Record<string, unknown>; interaction_id?: string };

export type CaseContext = {
  /** The agent reading it: their own actions are "You ...". */
  me: { login: string; place: string };
  customer: { name?: string | null; phone: string };
  phone: (number: string) => string;
  /** A time in the agent's zone. */
  when: (iso: string) => string;
  /** A disposition's name, from its code. */
  disposition: (code: string) => string;
  /** The reader's interaction: entries of another one are a colleague's, from before they
   * handed the call over (their "you" is not the reader). */
  interactionId?: string;
};

/** The entries as sentences, in their order; names of transfer and consultation targets are
 * taken from the entries that chose them. */
export function caseSentences(entries: CaseEntryLike[], context: CaseContext): string[] {
  const names = new Map<string, string>();
  const agents = new Map<string, string>();
  for (const entry of entries) {
    const { target, label: name } = entry.detail;
    // A number typed in is its own label: it is formatted instead.
    if (typeof target === "string" && typeof name === "string" && name && name !== target) names.set(target, name);
    if (entry.actor_name) agents.set(entry.actor, entry.actor_name);
    // The colleague who handed the call over, by the place their phone is at.
    const { by_place: place, by_name: colleague } = entry.detail;
    if (typeof place === "string" && typeof colleague === "string" && colleague) names.set(`place:${place}`, colleague);
  }
  return entries.map((entry) => caseSentence(entry, context, names, agents));
}

export function caseSentence(entry: CaseEntryLike, context: CaseContext, names: Map<string, string> = new Map(), agents: Map<string, string> = new Map()): string {
  const { me, phone } = context;
  const d = entry.detail;
  const earlier = context.interactionId !== undefined && entry.interaction_id !== undefined && entry.interaction_id !== context.interactionId;
  const text = (key: string) => (d[key] === undefined || d[key] === null ? "" : String(d[key]));
  const customer = context.customer.name || phone(context.customer.phone);
  const party = (address: string): string => {
    if (address === `place:${me.place}`) return "you";
    if (address === context.customer.phone) return customer;
    return names.get(address) ?? addressLabel(address, phone);
  };
  const subject = entry.actor === me.login ? "You" : (entry.actor_name ?? agents.get(entry.actor) ?? actor(entry.actor, me.login));
  const target = party(text("target"));
  // Quoted, the sentence's own full stop ends it: “Limit above 5,000”.
  const why = text("reason") ? `: “${text("reason").trim().replace(/\.$/, "")}”` : "";
  const by = text("by_name") || text("by") || "A colleague";
  switch (entry.kind) {
    case "offered":
      return text("agent") === me.login ? "Offered to you." : `Offered to ${agents.get(text("agent")) ?? text("agent")}.`;
    case "accepted":
      return `${subject} accepted the offer.`;
    case "reject":
      return `${subject} rejected the offer; it went back to the queue.`;
    case "time_out":
      return "The offer was not answered in time; it went back to the queue.";
    case "withdrawn":
      return `${subject} cancelled the callback, so the offer was withdrawn.`;
    case "not_dialled":
      return `${cap(customer)} was not called: ${stop(text("reason"))}`;
    case "dial":
      return `${subject} called ${phone(text("number"))} (attempt ${text("attempt")}).`;
    case "call_state":
      if (earlier && text("state") === "released" && text("cause") === "transfer") return "The call went on after the transfer.";
      return callState(text("state"), text("cause"), customer);
    case "dial_result":
      return text("result") === "answered" ? `${cap(customer)} answered.` : `${cap(customer)} was not reached: ${label(DIAL_RESULT, text("result"))}.`;
    case "hold":
      return `${subject} put the call on hold.`;
    case "resume":
      return `${subject} resumed the call.`;
    case "end_call":
      return `${subject} ended the call.`;
    case "transfer":
      return `${subject} transferred the call to ${target}${why}.`;
    case "conference":
      return `${subject} invited ${target} to the call${why}.`;
    case "consultation":
      return d.state === undefined ? `${subject} started a consultation with ${target}${why}.` : consultation(text("state"), target);
    case "end_consultation":
      return `${subject} ended the consultation with ${target}.`;
    case "complete_transfer":
      return `${subject} completed the transfer to ${target}.`;
    case "complete_conference":
      return `${subject} brought ${target} into the call.`;
    case "party_joined":
      return `${cap(party(text("address")))} joined the call.`;
    case "party_left":
      return partyLeft(party(text("address")), text("cause"));
    case "dtmf":
      return `The digits ${text("digits")} were sent on the call.`;
    // The colleague's own entry says why; this one says the call is now the reader's.
    case "transferred_in":
      return by === "A colleague" ? "A colleague transferred the call to you." : `The call came to you from ${by}.`;
    case "joined":
      return `You joined the call at ${by === "A colleague" ? "a colleague" : by}'s invitation.`;
    case "note":
      return `${subject} added a note: ${text("text")}`;
    case "email":
      return text("subject") ? `${subject} sent an e-mail to ${text("to")}: “${text("subject")}”.` : `${subject} sent an e-mail to ${text("to")}.`;
    case "disposition":
      return `${subject} chose the disposition “${context.disposition(text("code"))}”.`;
    case "rescheduled":
      return `${subject} rescheduled the callback${d.personal === true ? " as a personal callback" : ""} for ${context.when(text("at"))}.`;
    case "done":
      return `${subject} marked the interaction done.`;
    default: {
      const rest = Object.entries(d)
        .map(([k, v]) => `${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
        .join(", ");
      const what = entry.kind.replace(/_/g, " ");
      return `${what.charAt(0).toUpperCase()}${what.slice(1)}${rest ? ` (${rest})` : ""}.`;
    }
  }
}

/** Who did it, as the subject of a sentence. */
function actor(who: string, myLogin: string): string {
  if (who === myLogin) return "You";
  if (who === "customer") return "The customer";
  if (who.startsWith("supervisor:")) return `Supervisor ${who.slice("supervisor:".length)}`;
  if (who === "routing" || who === "switch") return "Ringback";
  return who;
}

function callState(state: string, cause: string, customer: string): string {
  switch (state) {
    case "dialing":
      return `Dialing ${customer}.`;
    case "ringing":
      return "The customer's phone rang.";
    case "connected":
      return `Connected with ${customer}.`;
    case "held":
      return `${cap(customer)} was put on hold.`;
    case "released":
      // Who ended it, or why it was not answered, has an entry of its own.
      return cause === "transfer" ? "The call went on without you after the transfer." : "The call ended.";
    default:
      return `The call is ${label({}, state)}.`;
  }
}

function consultation(state: string, target: string): string {
  switch (state) {
    case "ringing":
      return `Calling ${target} for the consultation.`;
    case "connected":
      return `${cap(target)} answered the consultation.`;
    case "declined":
      return `${cap(target)} declined the consultation.`;
    case "ended":
      return `${cap(target)} ended the consultation.`;
    case "cancelled":
      return `The consultation with ${target} ended.`;
    case "transferred":
      return `The consultation with ${target} became a transfer.`;
    case "conferenced":
      return `The consultation with ${target} became a conference.`;
    default:
      return `The consultation with ${target} is ${label({}, state)}.`;
  }
}

function partyLeft(who: string, cause: string): string {
  switch (cause) {
    case "hangup":
      return `${cap(who)} hung up.`;
    case "declined":
      return `${cap(who)} declined the call.`;
    case "transfer":
      return `${cap(who)} left the call with the transfer.`;
    default:
      return `${cap(who)} left the call.`;
  }
}

/** "you" at the start of a sentence; names keep their own case ("fraud-desk"). */
function cap(text: string): string {
  return text === "you" ? "You" : text;
}

/** A reason the server wrote, ended as a sentence. */
function stop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
