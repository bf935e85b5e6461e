import { describe, expect, it } from "vitest";
import { caseSentence, caseSentences, type CaseContext, type CaseEntryLike } from "./history";
import { formatInZone } from "./time";

const context: CaseContext = {
  me: { login: "maria", place: "2001" },
  customer: { name: "Dana Reyes", phone: "+12125550142" },
  phone: (n) => (n === "+12125550142" ? "(212) 555-0142" : n === "+442079460958" ? "+44 20 7946 0958" : n),
  when: (iso) => formatInZone(iso, "America/New_York"), // the agent's zone
  disposition: (code) => ({ "resolved.card-replaced": "Card replaced", "follow-up": "Follow-up needed" })[code] ?? code,
};

const entry = (kind: string, actor: string, detail: Record<string, unknown> = {}): CaseEntryLike => ({ at: "2026-12-06T05:30:00Z", kind, actor, detail });
const say = (kind: string, actor: string, detail: Record<string, unknown> = {}) => caseSentence(entry(kind, actor, detail), context);

// Every kind of entry the server writes (src/ringback/interactions: note(..., "<kind>", ...)),
// with the details it writes and an actor it writes it with.
const SERVER_ENTRIES: [string, string, Record<string, unknown>][] = [
  ["offered", "routing", { agent: "maria" }], // offers.py
  ["accepted", "maria", {}],
  ["not_dialled", "routing", { reason: "the customer may not be called now; reschedule the callback" }],
  ["reject", "maria", {}], // InteractionEvent.REJECT
  ["time_out", "routing", {}], // InteractionEvent.TIME_OUT
  ["withdrawn", "customer", {}],
  ["dial", "maria", { number: "+12125550142", attempt: 1 }], // calls.py
  ["end_call", "maria", {}], // Action.END_CALL, HOLD, RESUME
  ["hold", "maria", {}],
  ["resume", "maria", {}],
  ["transfer", "maria", { target: "place:1002", label: "Bob Marley" }], // Action.TRANSFER, CONFERENCE
  ["conference", "maria", { target: "place:1002", label: "Bob Marley" }],
  ["consultation", "maria", { target: "place:1002", label: "Bob Marley" }],
  ["end_consultation", "maria", { target: "place:1002" }], // ConsultationAction
  ["complete_transfer", "maria", { target: "place:1002" }],
  ["complete_conference", "maria", { target: "place:1002" }],
  ["party_joined", "switch", { address: "place:2001", role: "agent" }], // switch_events.py
  ["party_left", "switch", { address: "+12125550142", cause: "hangup" }],
  ["dtmf", "switch", { digits: "4417#" }],
  ["call_state", "switch", { state: "connected", cause: null }],
  ["dial_result", "switch", { result: "answered" }],
  ["transferred_in", "switch", { source: "6f1c0d1e-5d7c-4f43-9f8e-0b8f1d2a3c4d", by: "bob", by_name: "Bob Marley", reason: "Wants a higher limit." }],
  ["joined", "switch", { source: "6f1c0d1e-5d7c-4f43-9f8e-0b8f1d2a3c4d", by: "bob", by_name: "Bob Marley", reason: null }],
  ["consultation", "switch", { target: "place:1002", state: "connected" }],
  ["note", "maria", { text: "Card stolen on the subway." }], // wrapup.py
  ["email", "maria", { to: "dana@example.com", subject: "Your new card" }],
  ["disposition", "maria", { code: "resolved.card-replaced" }],
  ["rescheduled", "maria", { at: "2026-12-06T05:30:00+00:00", personal: false }],
  ["done", "maria", {}],
];

describe("caseSentence, for every kind of entry the server writes", () => {
  it("writes a sentence, with no code, login, key or raw value in it", () => {
    for (const [kind, actor, detail] of SERVER_ENTRIES) {
      const sentence = say(kind, actor, detail);
      expect(sentence, kind).toMatch(/^[A-Z“].*[.”]$/);
      expect(sentence, kind).not.toMatch(/_|place:|routing|switch\b|maria|\(agent\)|: (true|false)|\+1212|T05:30/);
    }
  });

  it("says what the agent did, as the agent's own", () => {
    expect(say("accepted", "maria")).toBe("You accepted the offer.");
    expect(say("hold", "maria")).toBe("You put the call on hold.");
    expect(say("resume", "maria")).toBe("You resumed the call.");
    expect(say("end_call", "maria")).toBe("You ended the call.");
    expect(say("done", "maria")).toBe("You marked the interaction done.");
    expect(say("reject", "maria")).toBe("You rejected the offer; it went back to the queue.");
  });

  it("words the offer's end without naming the machinery", () => {
    expect(say("offered", "routing", { agent: "maria" })).toBe("Offered to you.");
    expect(say("offered", "routing", { agent: "bob" })).toBe("Offered to bob.");
    expect(say("time_out", "routing")).toBe("The offer was not answered in time; it went back to the queue.");
    expect(say("withdrawn", "customer")).toBe("The customer cancelled the callback, so the offer was withdrawn.");
    expect(say("withdrawn", "supervisor:sue")).toBe("Supervisor sue cancelled the callback, so the offer was withdrawn.");
    expect(say("not_dialled", "routing", { reason: "the window closed; reschedule the callback" })).toBe("Dana Reyes was not called: the window closed; reschedule the callback.");
    expect(say("not_dialled", "routing", { reason: "closed." })).toBe("Dana Reyes was not called: closed.");
  });

  it("writes numbers for people", () => {
    expect(say("dial", "maria", { number: "+12125550142", attempt: 2 })).toBe("You called (212) 555-0142 (attempt 2).");
  });

  it("follows the call as the switch reports it", () => {
    const state = (s: string, cause: string | null = null) => say("call_state", "switch", { state: s, cause });
    expect(state("dialing")).toBe("Dialing Dana Reyes.");
    expect(state("ringing")).toBe("The customer's phone rang.");
    expect(state("connected")).toBe("Connected with Dana Reyes.");
    expect(state("held")).toBe("Dana Reyes was put on hold.");
    expect(state("released", "agent")).toBe("The call ended.");
    expect(state("released", "customer")).toBe("The call ended.");
    expect(state("released", "busy")).toBe("The call ended.");
    expect(state("released", "transfer")).toBe("The call went on without you after the transfer.");
    expect(state("bridged")).toBe("The call is bridged.");
    expect(say("dial_result", "switch", { result: "answered" })).toBe("Dana Reyes answered.");
    expect(say("dial_result", "switch", { result: "answering_machine" })).toBe("Dana Reyes was not reached: an answering machine answered.");
    expect(say("dtmf", "switch", { digits: "4417#" })).toBe("The digits 4417# were sent on the call.");
  });

  it("names the people on the call, the customer by name", () => {
    const nameless = { ...context, customer: { name: null, phone: "+12125550142" } };
    expect(say("party_joined", "switch", { address: "place:2001", role: "agent" })).toBe("You joined the call.");
    expect(say("party_joined", "switch", { address: "+12125550142", role: "customer" })).toBe("Dana Reyes joined the call.");
    expect(caseSentence(entry("party_joined", "switch", { address: "+12125550142", role: "customer" }), nameless)).toBe("(212) 555-0142 joined the call.");
    expect(say("party_joined", "switch", { address: "place:1002", role: "target" })).toBe("Place 1002 joined the call.");
    expect(say("party_left", "switch", { address: "+12125550142", cause: "hangup" })).toBe("Dana Reyes hung up.");
    expect(say("party_left", "switch", { address: "place:1002", cause: "declined" })).toBe("Place 1002 declined the call.");
    expect(say("party_left", "switch", { address: "place:2001", cause: "transfer" })).toBe("You left the call with the transfer.");
    expect(say("party_left", "switch", { address: "place:1002", cause: null })).toBe("Place 1002 left the call.");
  });

  it("tells transfers, conferences and consultations with their targets", () => {
    expect(say("transfer", "maria", { target: "routing-point:fraud-desk", label: "fraud-desk" })).toBe("You transferred the call to Routing point fraud-desk.");
    expect(say("conference", "maria", { target: "+442079460958", label: "+442079460958" })).toBe("You invited +44 20 7946 0958 to the call.");
    expect(say("consultation", "maria", { target: "queue:cards", label: "cards" })).toBe("You started a consultation with Queue cards.");
    const consult = (state: string) => say("consultation", "switch", { target: "place:1002", state });
    expect(consult("ringing")).toBe("Calling Place 1002 for the consultation.");
    expect(consult("connected")).toBe("Place 1002 answered the consultation.");
    expect(consult("declined")).toBe("Place 1002 declined the consultation.");
    expect(consult("ended")).toBe("Place 1002 ended the consultation.");
    expect(consult("cancelled")).toBe("The consultation with Place 1002 ended.");
    expect(consult("transferred")).toBe("The consultation with Place 1002 became a transfer.");
    expect(consult("conferenced")).toBe("The consultation with Place 1002 became a conference.");
    expect(say("end_consultation", "maria", { target: "place:1002" })).toBe("You ended the consultation with Place 1002.");
    expect(say("complete_transfer", "maria", { target: "place:1002" })).toBe("You completed the transfer to Place 1002.");
    expect(say("complete_conference", "maria", { target: "place:1002" })).toBe("You brought Place 1002 into the call.");
    expect(say("transferred_in", "switch", { source: "x" })).toBe("A colleague transferred the call to you.");
    expect(say("transferred_in", "switch", { source: "x", by: "bob", by_name: "Bob Marley", reason: "Wants a higher limit." })).toBe("The call came to you from Bob Marley.");
    expect(say("joined", "switch", { source: "x", by: "bob", by_name: "Bob Marley", reason: null })).toBe("You joined the call at Bob Marley's invitation.");
    expect(say("transfer", "maria", { target: "place:1002", label: "Bob Marley", reason: "Needs a supervisor." })).toBe("You transferred the call to Place 1002: “Needs a supervisor”.");
  });

  it("writes the wrap-up with names and the agent's time", () => {
    expect(say("note", "maria", { text: "Card stolen on the subway." })).toBe("You added a note: Card stolen on the subway.");
    expect(say("email", "maria", { to: "dana@example.com", subject: "Your new card" })).toBe("You sent an e-mail to dana@example.com: “Your new card”.");
    expect(say("email", "maria", { to: "dana@example.com", subject: "" })).toBe("You sent an e-mail to dana@example.com.");
    expect(say("disposition", "maria", { code: "resolved.card-replaced" })).toBe("You chose the disposition “Card replaced”.");
    expect(say("rescheduled", "maria", { at: "2026-12-06T05:30:00+00:00", personal: false })).toBe(
      "You rescheduled the callback for Sun 6 Dec, 00:30 GMT-5.",
    );
    expect(say("rescheduled", "maria", { at: "2026-12-06T05:30:00+00:00", personal: true })).toBe(
      "You rescheduled the callback as a personal callback for Sun 6 Dec, 00:30 GMT-5.",
    );
  });

  it("still says something of a kind it does not know", () => {
    expect(say("slot_moved", "routing", { from: "10:00", to: "11:00" })).toBe("Slot moved (from: 10:00, to: 11:00).");
    expect(say("tagged", "x", { tags: ["vip"], extra_info: { a: 1 } })).toBe('Tagged (tags: ["vip"], extra info: {"a":1}).');
    expect(say("custom_event", "x")).toBe("Custom event.");
  });
});

describe("caseSentences", () => {
  it("names a colleague by the label chosen when they were picked", () => {
    const sentences = caseSentences(
      [
        entry("transfer", "maria", { target: "place:1002", label: "Bob Marley" }),
        entry("party_joined", "switch", { address: "place:1002", role: "target" }),
        entry("party_left", "switch", { address: "place:2001", cause: "transfer" }),
      ],
      context,
    );
    expect(sentences).toEqual(["You transferred the call to Bob Marley.", "Bob Marley joined the call.", "You left the call with the transfer."]);
  });

  it("keeps a name's own case, and formats a number typed in as its own label", () => {
    const sentences = caseSentences(
      [
        entry("consultation", "maria", { target: "routing-point:fraud-desk", label: "fraud-desk" }),
        entry("consultation", "switch", { target: "routing-point:fraud-desk", state: "connected" }),
        entry("conference", "maria", { target: "+442079460958", label: "+442079460958" }),
        entry("party_left", "switch", { address: "+442079460958", cause: "declined" }),
      ],
      context,
    );
    expect(sentences).toEqual([
      "You started a consultation with fraud-desk.",
      "fraud-desk answered the consultation.",
      "You invited +44 20 7946 0958 to the call.",
      "+44 20 7946 0958 declined the call.",
    ]);
  });
});

describe("a case handed over by a colleague", () => {
  it("names the colleague in their part, and the reader as you in their own", () => {
    const theirs = (kind: string, actor: string, detail: Record<string, unknown> = {}): CaseEntryLike => ({ ...entry(kind, actor, detail), actor_name: actor === "bob" ? "Bob Marley" : null, interaction_id: "first" });
    const mine = (kind: string, actor: string, detail: Record<string, unknown> = {}): CaseEntryLike => ({ ...entry(kind, actor, detail), actor_name: actor === "maria" ? "Maria Lopez" : null, interaction_id: "second" });
    const sentences = caseSentences(
      [
        theirs("offered", "routing", { agent: "bob" }),
        theirs("accepted", "bob"),
        theirs("hold", "bob"),
        theirs("note", "bob", { text: "Card stolen." }),
        theirs("transfer", "bob", { target: "place:2001", label: "Maria Lopez", reason: "Limit above 5,000." }),
        theirs("party_left", "switch", { address: "place:1002", cause: "transfer" }),
        theirs("call_state", "switch", { state: "released", cause: "transfer" }),
        mine("transferred_in", "switch", { source: "first", by: "bob", by_name: "Bob Marley", by_place: "1002", reason: "Limit above 5,000." }),
        mine("note", "maria", { text: "Raised the limit." }),
      ],
      { ...context, interactionId: "second" },
    );
    expect(sentences).toEqual([
      "Offered to Bob Marley.",
      "Bob Marley accepted the offer.",
      "Bob Marley put the call on hold.",
      "Bob Marley added a note: Card stolen.",
      "Bob Marley transferred the call to you: “Limit above 5,000”.",
      "Bob Marley left the call with the transfer.",
      "The call went on after the transfer.",
      "The call came to you from Bob Marley.",
      "You added a note: Raised the limit.",
    ]);
  });
});
