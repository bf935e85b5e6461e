import { describe, expect, it } from "vitest";
import { emptyDeskText, readyChannels, type MyQueue } from "./waiting";

const cards: MyQueue = { service: "cards", display_name: "Card services", channel: "voice", waiting: 2, scheduled: 1, next_scheduled_at: "2026-11-27T15:00:00Z" };
const mortgages: MyQueue = { service: "mortgage-advice", display_name: "Mortgage appointment", channel: "voice", waiting: 1, scheduled: 1, next_scheduled_at: "2026-11-26T09:30:00Z" };
const web: MyQueue = { service: "web-enquiries", display_name: "Web enquiries", channel: "webcallback", waiting: 4, scheduled: 0, next_scheduled_at: null };

const voiceReady = [
  { channel: "webcallback", status: "not_ready" },
  { channel: "voice", status: "ready" },
];

describe("readyChannels", () => {
  it("lists the Ready channels in My Status's order", () => {
    expect(readyChannels([{ channel: "webcallback", status: "ready" }, { channel: "voice", status: "ready" }])).toEqual(["voice", "webcallback"]);
    expect(readyChannels(voiceReady)).toEqual(["voice"]);
    expect(readyChannels([{ channel: "voice", status: "after_call_work" }])).toEqual([]);
  });
});

describe("emptyDeskText when Ready", () => {
  it("counts what waits in the agent's queues on the Ready channels and says when the next scheduled one is due, in the agent's zone", () => {
    expect(emptyDeskText(voiceReady, [cards, mortgages, web], "Europe/Brussels")).toEqual([
      "You are Ready on Voice: callbacks from your queues are offered to you as they come.",
      "3 callbacks wait in your queues (Card services 2, Mortgage appointment 1).",
      "The next scheduled callback is due Thu 26 Nov, 10:30 CET (Mortgage appointment).",
    ]);
  });

  it("reads the same instant in another zone", () => {
    expect(emptyDeskText(voiceReady, [mortgages], "America/New_York")[2]).toBe("The next scheduled callback is due Thu 26 Nov, 04:30 GMT-5 (Mortgage appointment).");
  });

  it("names the one queue where callbacks wait, in the singular for one", () => {
    expect(emptyDeskText(voiceReady, [{ ...cards, waiting: 1 }, { ...mortgages, waiting: 0 }], "UTC")[1]).toBe("1 callback waits in your queues (Card services).");
  });

  it("says when nothing waits and nothing is scheduled", () => {
    const quiet = { ...cards, waiting: 0, scheduled: 0, next_scheduled_at: null };
    expect(emptyDeskText(voiceReady, [quiet, web], "UTC")).toEqual([
      "You are Ready on Voice: callbacks from your queues are offered to you as they come.",
      "No callback waits in your queues now.",
      "No callback is scheduled in your queues.",
    ]);
  });

  it("adds up every Ready channel", () => {
    const both = [
      { channel: "voice", status: "ready" },
      { channel: "webcallback", status: "ready" },
    ];
    const text = emptyDeskText(both, [cards, web], "UTC");
    expect(text[0]).toBe("You are Ready on Voice and Web Callback: callbacks from your queues are offered to you as they come.");
    expect(text[1]).toBe("6 callbacks wait in your queues (Card services 2, Web enquiries 4).");
    expect(text[2]).toBe("The next scheduled callback is due Fri 27 Nov, 15:00 UTC (Card services).");
  });

  it("tells an agent whom no queue of the channel serves", () => {
    expect(emptyDeskText(voiceReady, [web], "UTC")[1]).toBe("None of your queues takes Voice callbacks: a supervisor can give you the skills a queue needs.");
  });

  it("says only that the agent is Ready until the queues are read", () => {
    expect(emptyDeskText(voiceReady, null, "UTC")).toEqual(["You are Ready on Voice: callbacks from your queues are offered to you as they come."]);
  });
});

describe("emptyDeskText when not Ready", () => {
  it("says each channel's status and how to become Ready, and no queue figures", () => {
    const statuses = [
      { channel: "webcallback", status: "logged_out" },
      { channel: "voice", status: "not_ready" },
    ];
    expect(emptyDeskText(statuses, [cards], "UTC")).toEqual([
      "You are not Ready on any channel (Voice: Not Ready, Web Callback: Logged Out), so no callback is offered to you.",
      "To receive callbacks, choose Ready under My Status, at the top of the page, for Voice or Web Callback.",
    ]);
  });

  it("says After Call Work ends by itself and can be ended at once", () => {
    expect(emptyDeskText([{ channel: "voice", status: "after_call_work" }, { channel: "webcallback", status: "not_ready" }], [cards], "UTC")).toEqual([
      "You are in After Call Work on Voice: no callback is offered to you until it ends.",
      "To receive callbacks now, choose Ready in My Status, at the top of the page.",
    ]);
  });

  it("says nothing before the statuses are known", () => {
    expect(emptyDeskText([], null, "UTC")).toEqual([]);
  });
});
