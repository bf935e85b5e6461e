import { describe, expect, it } from "vitest";
import { AGENT_STATUS, CALL_STATUS, CALLBACK_TYPE, CHANNELS, DIAL_RESULT, addressLabel, callbackTypeLabel, caseLine, fieldLabel, label } from "./labels";

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

describe("caseLine", () => {
  it("says what each known kind means", () => {
    expect(caseLine("offered", { agent: "jdoe" })).toBe("Offered to jdoe");
    expect(caseLine("accepted", {})).toBe("Accepted");
    expect(caseLine("timed_out", {})).toBe("Offer timed out");
    expect(caseLine("dial", { number: "+33123456789", attempt: 2 })).toBe("Dialled +33123456789 (attempt 2)");
    expect(caseLine("dtmf", { digits: "12#" })).toBe("DTMF digits sent: 12#");
    expect(caseLine("note", { text: "Call back after 5" })).toBe("Note: Call back after 5");
    expect(caseLine("disposition", { code: "sale" })).toBe("Disposition: sale");
    expect(caseLine("done", { by: "x" })).toBe("Marked done");
  });

  it("words a dial result with the DIAL_RESULT table", () => {
    expect(caseLine("dial_result", { result: "no_answer" })).toBe(`Call result: ${DIAL_RESULT.no_answer}`);
    expect(caseLine("dial_result", { result: "answering_machine" })).toBe("Call result: an answering machine answered");
    expect(caseLine("dial_result", { result: "line_dropped" })).toBe("Call result: line dropped");
  });

  it("shows an e-mail's subject, or its recipient when there is none", () => {
    expect(caseLine("email", { subject: "Your callback", to: "a@example.com" })).toBe("E-mail: Your callback");
    expect(caseLine("email", { subject: "", to: "a@example.com" })).toBe("E-mail: a@example.com");
    expect(caseLine("email", { to: "a@example.com" })).toBe("E-mail: a@example.com");
  });

  it("adds a call state's cause only when there is one", () => {
    expect(caseLine("call_state", { state: "ended", cause: "busy" })).toBe("Call ended (busy)");
    expect(caseLine("call_state", { state: "connected" })).toBe("Call connected");
    expect(caseLine("call_state", { state: "connected", cause: null })).toBe("Call connected");
  });

  it("shows missing details as empty, not as 'undefined' or 'null'", () => {
    expect(caseLine("offered", {})).toBe("Offered to ");
    expect(caseLine("note", { text: null })).toBe("Note: ");
  });

  it("describes an unknown kind with its details", () => {
    expect(caseLine("slot_moved", { from: "10:00", to: "11:00" })).toBe("slot moved (from: 10:00, to: 11:00)");
    expect(caseLine("tagged", { tags: ["vip", "fr"], extra: { a: 1 } })).toBe('tagged (tags: ["vip","fr"], extra: {"a":1})');
    expect(caseLine("custom_event", {})).toBe("custom event");
  });
});

describe("caseLine for parties", () => {
  it("says who joined or left the call", () => {
    expect(caseLine("party_joined", { address: "+12125550123", role: "customer" })).toBe("+12125550123 joined (customer)");
    expect(caseLine("party_left", { address: "place:1002", cause: "transfer" })).toBe("place:1002 left (transfer)");
    expect(caseLine("party_left", { address: "place:1002", cause: null })).toBe("place:1002 left");
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
});
