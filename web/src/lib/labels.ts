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
  joined: "In a colleague's call",
  done: "Done",
  rejected: "Rejected",
  timed_out: "Timed out",
  withdrawn: "Withdrawn",
};

/** A callback as the agent calls it, by the channel it came on. */
export const CALLBACK_KIND: Record<string, string> = { voice: "Voice Callback", webcallback: "Web Callback" };

/** A callback's state, as a supervisor reads it in a list of waiting callbacks. */
export const CALLBACK_STATE: Record<string, string> = {
  scheduled: "Scheduled",
  queued: "Waiting",
  offered: "Offered",
  accepted: "Accepted",
  dialing: "Dialing",
  connected: "Connected",
  completed: "Completed",
  cancelled: "Cancelled",
  failed: "Failed",
  expired: "Expired",
};

/** The reasons Ringback itself gives a status (the configured Not Ready reasons have labels). */
export const STATUS_REASON: Record<string, string> = {
  "missed-offer": "Missed an offer",
  "signed in": "Just signed in",
  "signed out": "Signed out",
  "after call work ended": "After Call Work ended",
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

/** A status reason's name: a configured Not Ready reason's label, one of Ringback's own, or the
 * code with spaces. */
export function statusReason(reason: string | null | undefined, configured: { code: string; label: string }[] = []): string {
  if (!reason) return "";
  const known = configured.find((r) => r.code === reason)?.label ?? (Object.hasOwn(STATUS_REASON, reason) ? STATUS_REASON[reason] : undefined);
  if (known) return known;
  const words = reason.replace(/[-_]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One wording for Mark Done waiting for a disposition (the button is "Done" in a preview). */
export function dispositionNeeded(done: string): string {
  return `${done} needs a disposition code`;
}

/** A disposition's name from the code tree ("resolved.first-call" -> "Resolved on this call"); the
 * code itself if the tree does not have it. */
export function dispositionName(tree: { code: string; label: string; children: unknown[] }[], code: string): string {
  const stack = [...tree];
  while (stack.length > 0) {
    const node = stack.pop() as { code: string; label: string; children: unknown[] };
    if (node.code === code) return node.label;
    stack.push(...(node.children as typeof tree));
  }
  return code;
}

/** An agent's statuses in one line: "Voice: Ready, Web Callback: Not Ready (Lunch)". */
export function agentStatusLine(statuses: { channel: string; status: string; busy: boolean; reason?: string | null }[], reasons: { code: string; label: string }[] = []): string {
  return statuses
    .map((s) => {
      const state = s.busy ? "Busy" : label(AGENT_STATUS, s.status);
      const why = s.status === "not_ready" && s.reason ? ` (${statusReason(s.reason, reasons)})` : "";
      return `${label(CHANNELS, s.channel)}: ${state}${why}`;
    })
    .join(", ");
}
