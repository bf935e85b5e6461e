import { describe, expect, it } from "vitest";
import { AGENT_STATUS, CALL_STATUS, CALLBACK_KIND, CALLBACK_STATE, CALLBACK_TYPE, CHANNELS, addressLabel, agentStatusLine, callbackTypeLabel, dispositionName, dispositionNeeded, fieldLabel, label, statusReason } from "./labels";

describe("label", () => {
  it("uses the table's words", () => {
    expect(label(CHANNELS, "webcallback")).toBe("Web Callback");
    expect(label(AGENT_STATUS, "after_call_work")).toBe("After Call Work");
    expect(label(CALL_STATUS, "timed_out")).toBe("Timed out");
    expect(label(CALLBACK_TYPE, "preview")).toBe("Delayed (Agent Preview)");
  });

  it("falls back to the value with spaces for underscores", () => {
    expect(label(CALL_STATUS, "on_second_hold")).toBe("on second hold");
    expect(label(CHANNELS, "chat")).toBe("chat");
  });

  it("is empty for no value", () => {
    expect(label(CHANNELS, null)).toBe("");
    expect(label(CHANNELS, undefined)).toBe("");
    expect(label(CHANNELS, "")).toBe("");
  });

  it("reads only the table's own entries, never Object.prototype's", () => {
    expect(label(CALLBACK_TYPE, "constructor")).toBe("constructor");
    expect(label(CHANNELS, "to_string")).toBe("to string");
    expect(label(CHANNELS, "toString")).toBe("toString");
  });
});

describe("fieldLabel", () => {
  it("drops the data. prefix and capitalises", () => {
    expect(fieldLabel("data.topic")).toBe("Topic");
    expect(fieldLabel("name")).toBe("Name");
  });

  it("turns separators into spaces", () => {
    expect(fieldLabel("data.order_number")).toBe("Order number");
    expect(fieldLabel("account-id")).toBe("Account id");
    expect(fieldLabel("data.address.city")).toBe("Address city");
    expect(fieldLabel("first__name")).toBe("First name");
  });

  it("keeps a data. that is not a prefix", () => {
    expect(fieldLabel("metadata.source")).toBe("Metadata source");
  });

  it("copes with an empty key", () => {
    expect(fieldLabel("")).toBe("");
  });
});

describe("callbackTypeLabel and addressLabel", () => {
  it("names a delayed voice callback with agent preview as the agent knows it", () => {
    expect(callbackTypeLabel("delayed", "voice", true)).toBe("Delayed (Agent Preview)");
    expect(callbackTypeLabel("delayed", "voice", false)).toBe("Delayed");
    expect(callbackTypeLabel("delayed", "webcallback", true)).toBe("Delayed");
    expect(callbackTypeLabel("immediate", "voice", true)).toBe("Immediate");
  });

  it("reads switch addresses", () => {
    expect(addressLabel("place:1002")).toBe("Place 1002");
    expect(addressLabel("routing-point:fraud-desk")).toBe("Routing point fraud-desk");
    expect(addressLabel("queue:cards")).toBe("Queue cards");
    expect(addressLabel("+12125550101")).toBe("+12125550101");
  });

  it("formats a number with the phone formatter given", () => {
    expect(addressLabel("+12125550101", () => "(212) 555-0101")).toBe("(212) 555-0101");
    expect(addressLabel("place:1002", () => "never")).toBe("Place 1002");
  });
});

describe("names instead of codes", () => {
  it("names callbacks by their channel, not 'Web Callback callback'", () => {
    expect(label(CALLBACK_KIND, "voice")).toBe("Voice Callback");
    expect(label(CALLBACK_KIND, "webcallback")).toBe("Web Callback");
  });

  it("names every callback state", () => {
    const states = ["scheduled", "queued", "offered", "accepted", "dialing", "connected", "completed", "cancelled", "failed", "expired"];
    for (const state of states) expect(label(CALLBACK_STATE, state)).toMatch(/^[A-Z][a-z]+$/);
    expect(label(CALLBACK_STATE, "queued")).toBe("Waiting");
  });

  it("names a status reason: configured, Ringback's own, or the code in words", () => {
    const configured = [{ code: "lunch", label: "Lunch" }];
    expect(statusReason("lunch", configured)).toBe("Lunch");
    expect(statusReason("missed-offer")).toBe("Missed an offer");
    expect(statusReason("signed in")).toBe("Just signed in");
    expect(statusReason("after call work ended")).toBe("After Call Work ended");
    expect(statusReason("team-meeting")).toBe("Team meeting");
    expect(statusReason("constructor")).toBe("Constructor");
    expect(statusReason(null)).toBe("");
  });

  it("names a disposition from anywhere in the tree, or keeps the code", () => {
    const tree = [
      { code: "resolved", label: "Resolved", children: [{ code: "resolved.first-call", label: "Resolved on this call", children: [] }] },
      { code: "follow-up", label: "Follow-up needed", children: [] },
    ];
    expect(dispositionName(tree, "resolved.first-call")).toBe("Resolved on this call");
    expect(dispositionName(tree, "follow-up")).toBe("Follow-up needed");
    expect(dispositionName(tree, "retired-code")).toBe("retired-code");
    expect(dispositionName([], "resolved")).toBe("resolved");
  });

  it("words an agent's statuses for the Team Communicator", () => {
    expect(
      agentStatusLine(
        [
          { channel: "voice", status: "ready", busy: true },
          { channel: "webcallback", status: "not_ready", busy: false, reason: "lunch" },
        ],
        [{ code: "lunch", label: "Lunch" }],
      ),
    ).toBe("Voice: Busy, Web Callback: Not Ready (Lunch)");
    expect(agentStatusLine([{ channel: "voice", status: "not_ready", busy: false, reason: "missed-offer" }])).toBe("Voice: Not Ready (Missed an offer)");
    expect(agentStatusLine([{ channel: "webcallback", status: "logged_out", busy: false, reason: "signed out" }])).toBe("Web Callback: Logged Out");
  });

  it("says Mark Done waits for a disposition in one wording", () => {
    expect(dispositionNeeded("Mark Done")).toBe("Mark Done needs a disposition code");
    expect(dispositionNeeded("Done")).toBe("Done needs a disposition code");
  });
});
