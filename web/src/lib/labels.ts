// Words the agent reads, for the values the API sends.

export const CHANNELS: Record<string, string> = { voice: "Voice", webcallback: "Web Callback" };

export const AGENT_STATUS: Record<string, string> = {
  ready: "Ready",
  not_ready: "Not Ready",
  after_call_work: "After Call Work",
  logged_out: "Logged Out",
};

export const CALL_STATUS: Record<string, string> = {
  offered: "Offered",
  preview: "Preview",
  dialing: "Dialing",
  ringing: "Ringing",
  connected: "Connected",
  on_hold: "On Hold",
  ready_to_call: "Ready to Call",
  transferred: "Transferred",
  done: "Done",
  rejected: "Rejected",
  timed_out: "Timed out",
  withdrawn: "Withdrawn",
};

export const CALLBACK_TYPE: Record<string, string> = {
  immediate: "Immediate",
  delayed: "Delayed",
  scheduled: "Scheduled",
  preview: "Delayed (Agent Preview)",
};

export const DIAL_RESULT: Record<string, string> = {
  answered: "answered",
  busy: "the line was busy",
  no_answer: "nobody answered",
  answering_machine: "an answering machine answered",
  fax: "a fax machine answered",
  invalid_number: "the number does not exist",
  network_error: "the network failed",
};

/** The callback type as the agent knows it: a delayed voice callback on a service with agent
 * preview is "Delayed (Agent Preview)". */
export function callbackTypeLabel(type: string, channel: string, agentPreview: boolean): string {
  if (type === "delayed" && channel === "voice" && agentPreview) return CALLBACK_TYPE.preview as string;
  return label(CALLBACK_TYPE, type);
}

/** "place:1002" -> "Place 1002", "routing-point:fraud-desk" -> "Routing point fraud-desk"; a
 * number as `phone` formats it. */
export function addressLabel(address: string, phone: (number: string) => string = (n) => n): string {
  const match = /^(place|queue|routing-point):(.+)$/.exec(address);
  if (!match) return phone(address);
  const kind = { place: "Place", queue: "Queue", "routing-point": "Routing point" }[match[1] as "place" | "queue" | "routing-point"];
  return `${kind} ${match[2]}`;
}

export function label(table: Record<string, string>, value: string | null | undefined): string {
  if (!value) return "";
  return (Object.hasOwn(table, value) ? table[value] : undefined) ?? value.replace(/_/g, " ");
}

/** "data.topic" -> "Topic", "name" -> "Name". */
export function fieldLabel(key: string): string {
  const bare = key.replace(/^data\./, "").replace(/[_.-]+/g, " ");
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** What a case-history entry says, in one line. */
export function caseLine(kind: string, detail: Record<string, unknown>): string {
  const text = (key: string) => (detail[key] === undefined || detail[key] === null ? "" : String(detail[key]));
  switch (kind) {
    case "offered":
      return `Offered to ${text("agent")}`;
    case "accepted":
      return "Accepted";
    case "rejected":
      return "Rejected";
    case "timed_out":
      return "Offer timed out";
    case "dial":
      return `Dialled ${text("number")} (attempt ${text("attempt")})`;
    case "dial_result":
      return `Call result: ${label(DIAL_RESULT, text("result"))}`;
    case "dtmf":
      return `DTMF digits sent: ${text("digits")}`;
    case "note":
      return `Note: ${text("text")}`;
    case "disposition":
      return `Disposition: ${text("code")}`;
    case "email":
      return `E-mail: ${text("subject") || text("to")}`;
    case "call_state":
      return `Call ${text("state")}${detail.cause ? ` (${text("cause")})` : ""}`;
    case "done":
      return "Marked done";
    case "party_joined":
      return `${text("address")} joined (${text("role")})`;
    case "party_left":
      return `${text("address")} left${detail.cause ? ` (${text("cause")})` : ""}`;
    default: {
      const rest = Object.entries(detail)
        .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
        .join(", ");
      return `${kind.replace(/_/g, " ")}${rest ? ` (${rest})` : ""}`;
    }
  }
}
