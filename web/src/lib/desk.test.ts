import { describe, expect, it } from "vitest";
import type { ChannelStatus, Interaction } from "../api/client";
import { FINAL_STATES, deskReducer, emptyDesk, handoverText, keepShown, offers, openInteractions, type DeskAction, type DeskState, type StreamEvent } from "./desk";

const ME = 7;
const OTHER = 8;

let ids = 0;
const nextId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`;

function callback(overrides: Partial<Interaction["callback"]> = {}): Interaction["callback"] {
  return {
    id: nextId(),
    attempts: 0,
    channel: "voice",
    created_at: "2026-11-26T09:00:00Z",
    data: {},
    desired_time: "2026-11-26T10:00:00Z",
    desired_time_local: { customer: null, service: "2026-11-26T05:00:00-05:00" },
    due_at: null,
    email: null,
    instructions: null,
    language: null,
    max_attempts: 3,
    name: "Ada Lovelace",
    phone: "+33123456789",
    priority: 0,
    queued_at: "2026-11-26T10:00:00Z",
    service: "cards",
    slot: null,
    state: "offered",
    time_zone: null,
    type: "immediate",
    updated_at: "2026-11-26T10:00:00Z",
    ...overrides,
  };
}

function interaction(overrides: Partial<Interaction> = {}): Interaction {
  return {
    id: nextId(),
    state: "offered",
    channel: "voice",
    agent_id: ME,
    callback: callback(),
    contact_id: null,
    service_name: "Cards",
    service_time_zone: "America/New_York",
    preview: {},
    offer_expires_at: "2026-11-26T10:00:30Z",
    on_offer_timeout: "returned to the queue",
    accepted_at: null,
    ended_at: null,
    call_id: null,
    last_result: null,
    disposition: null,
    disposition_required: false,
    handover: null,
    consultation: null,
    parties: {},
    actions: [],
    created_at: "2026-11-26T10:00:00Z",
    updated_at: "2026-11-26T10:00:00Z",
    ...overrides,
  };
}

function status(overrides: Partial<ChannelStatus> = {}): ChannelStatus {
  return {
    channel: "voice",
    status: "ready",
    busy: false,
    reason: null,
    since: "2026-11-26T08:00:00Z",
    acw_until: null,
    ...overrides,
  };
}

/** The same interaction, later. */
const later = (known: Interaction, overrides: Partial<Interaction>, updated_at: string): Interaction => ({
  ...known,
  ...overrides,
  updated_at,
});

let eventIds = 100;
function event(topic: string, payload: object, id = ++eventIds): StreamEvent {
  return { id, topic, at: "2026-11-26T10:00:00Z", payload: payload as Record<string, unknown> };
}

const run = (state: DeskState, ...actions: DeskAction[]) => actions.reduce(deskReducer, state);
const loaded = (interactions: Interaction[] = [], statuses: ChannelStatus[] = []): DeskAction => ({
  type: "loaded",
  agentId: ME,
  interactions,
  statuses,
});
const on = (e: StreamEvent): DeskAction => ({ type: "event", event: e });

describe("loaded", () => {
  it("sets the agent and indexes statuses by channel and interactions by id", () => {
    const a = interaction();
    const b = interaction({ state: "connected" });
    const voice = status();
    const web = status({ channel: "webcallback", status: "not_ready", reason: "Lunch" });
    const state = run(emptyDesk, loaded([a, b], [voice, web]));
    expect(state.agentId).toBe(ME);
    expect(state.interactions).toEqual({ [a.id]: a, [b.id]: b });
    expect(state.statuses).toEqual({ voice, webcallback: web });
    expect(state.lastEventId).toBeNull();
    expect(state.notices).toEqual([]);
  });

  it("never lets older data overwrite what an event already brought", () => {
    const offered = interaction();
    const connected = later(offered, { state: "connected" }, "2026-11-26T10:00:05Z");
    const notReady = status({ status: "not_ready", since: "2026-11-26T10:00:05Z" });
    let state = run(emptyDesk, loaded([], []));
    state = run(state, on(event("interaction.accepted", connected)), on(event("agent.status", { ...notReady, agent_id: ME })));
    // A reload answered before those changes arrives after them.
    state = run(state, loaded([offered], [status({ since: "2026-11-26T10:00:00Z" })]));
    expect(state.interactions[offered.id]?.state).toBe("connected");
    expect(state.statuses.voice?.status).toBe("not_ready");
  });

  it("takes newer data over what is known", () => {
    const offered = interaction();
    const connected = later(offered, { state: "connected" }, "2026-11-26T10:01:00Z");
    let state = run(emptyDesk, loaded([offered], [status()]));
    state = run(state, loaded([connected], [status({ status: "after_call_work", since: "2026-11-26T10:02:00Z" })]));
    expect(state.interactions[offered.id]).toEqual(connected);
    expect(state.statuses.voice?.status).toBe("after_call_work");
  });

  it("compares instants, not strings", () => {
    const offered = interaction({ updated_at: "2026-11-26T10:00:00Z" });
    // 10:30+01:00 is 09:30Z: older, though it sorts after as a string.
    const stale = later(offered, { state: "withdrawn" }, "2026-11-26T10:30:00+01:00");
    const state = run(emptyDesk, loaded([offered]), loaded([stale]));
    expect(state.interactions[offered.id]?.state).toBe("offered");
  });
});

describe("interaction and statuses actions", () => {
  it("merge by time too", () => {
    const connected = interaction({ state: "connected", updated_at: "2026-11-26T10:05:00Z" });
    const older = later(connected, { state: "dialing" }, "2026-11-26T10:04:00Z");
    const newer = later(connected, { state: "on_hold" }, "2026-11-26T10:06:00Z");
    let state = run(emptyDesk, loaded([connected]), { type: "interaction", interaction: older });
    expect(state.interactions[connected.id]?.state).toBe("connected");
    state = run(state, { type: "interaction", interaction: newer });
    expect(state.interactions[connected.id]?.state).toBe("on_hold");

    state = run(state, { type: "statuses", statuses: [status({ status: "not_ready", since: "2026-11-26T10:00:00Z" })] });
    state = run(state, {
      type: "statuses",
      statuses: [status({ status: "logged_out", since: "2026-11-26T09:00:00Z" }), status({ channel: "webcallback" })],
    });
    expect(state.statuses.voice?.status).toBe("not_ready");
    expect(state.statuses.webcallback?.status).toBe("ready");
  });
});

describe("events", () => {
  it("are applied once: a replayed event changes nothing", () => {
    const offered = interaction();
    let state = run(emptyDesk, loaded());
    state = run(state, on(event("interaction.offered", offered, 10)));
    expect(state.lastEventId).toBe(10);
    const same = run(state, on(event("interaction.offered", offered, 10)), on(event("interaction.offered", offered, 9)));
    expect(same).toBe(state);
    const replayed = later(offered, { state: "withdrawn" }, "2026-11-26T10:09:00Z");
    const next = run(state, on(event("interaction.withdrawn", replayed, 11)));
    expect(next.lastEventId).toBe(11);
    expect(next.interactions[offered.id]?.state).toBe("withdrawn");
    expect(run(next, on(event("interaction.withdrawn", replayed, 11)))).toBe(next);
  });

  it("committed out of id order are still applied, and the resume point never goes back", () => {
    const offered = interaction();
    const status1 = status({ status: "not_ready", since: "2026-11-26T10:20:00Z" });
    let state = run(emptyDesk, loaded());
    state = run(state, on(event("agent.status", status1, 171)));
    state = run(state, on(event("interaction.offered", offered, 170)));
    expect(state.interactions[offered.id]?.state).toBe("offered");
    expect(state.lastEventId).toBe(171);
  });

  it("accept any id as the first one", () => {
    const state = run(emptyDesk, loaded(), on(event("interaction.offered", interaction(), 0)));
    expect(state.lastEventId).toBe(0);
    expect(Object.keys(state.interactions)).toHaveLength(1);
  });

  it("of other agents are ignored but still advance lastEventId", () => {
    const theirs = interaction({ agent_id: OTHER });
    let state = run(emptyDesk, loaded([], [status()]));
    state = run(state, on(event("interaction.offered", theirs, 20)));
    expect(state.interactions).toEqual({});
    expect(state.lastEventId).toBe(20);
    state = run(state, on(event("agent.status", { ...status({ status: "logged_out", since: "2026-11-26T11:00:00Z" }), agent_id: OTHER }, 21)));
    expect(state.statuses.voice?.status).toBe("ready");
    expect(state.lastEventId).toBe(21);
    state = run(state, on(event("interaction.transferred", theirs, 22)));
    expect(state.notices).toEqual([]);
    expect(state.lastEventId).toBe(22);
  });

  it("of other agents are ignored before the load too, once the desk knows its agent", () => {
    const state = run({ ...emptyDesk, agentId: ME }, on(event("interaction.offered", interaction({ agent_id: OTHER }), 5)));
    expect(state.interactions).toEqual({});
    expect(state.lastEventId).toBe(5);
  });

  it("of this agent update the desk", () => {
    const mine = interaction();
    let state = run(emptyDesk, loaded([], [status()]));
    state = run(state, on(event("interaction.offered", mine)));
    expect(state.interactions[mine.id]).toEqual(mine);
    state = run(state, on(event("agent.status", { ...status({ status: "not_ready", since: "2026-11-26T10:00:00Z" }), agent_id: ME })));
    expect(state.statuses.voice?.status).toBe("not_ready");
  });

  it("without an agent_id are not filtered", () => {
    const { agent_id: _ignored, ...payload } = interaction();
    const state = run(emptyDesk, loaded(), on(event("interaction.offered", payload)));
    expect(Object.keys(state.interactions)).toEqual([payload.id]);
  });

  it("of other topics only advance lastEventId", () => {
    const before = run(emptyDesk, loaded([interaction()]));
    const after = run(before, on(event("team.message", { agent_id: ME, text: "hello" }, 50)));
    expect(after.lastEventId).toBe(50);
    expect(after.interactions).toBe(before.interactions);
    expect(after.statuses).toBe(before.statuses);
    expect(after.notices).toBe(before.notices);
  });
});

describe("notices", () => {
  it("warn when an offer timed out, saying what happened to it", () => {
    const offered = interaction({ on_offer_timeout: "returned to the queue, and your status becomes Not Ready" });
    const timedOut = later(offered, { state: "timed_out", on_offer_timeout: null }, "2026-11-26T10:00:31Z");
    const state = run(emptyDesk, loaded([offered]), on(event("interaction.timed_out", timedOut)));
    expect(state.notices).toEqual([
      {
        key: `timeout-${offered.id}`,
        kind: "warning",
        text: "You did not answer the offer for Ada Lovelace in time: returned to the queue, and your status becomes Not Ready.",
      },
    ]);
  });

  it("fall back to a generic wording without on_offer_timeout, and to the phone without a name", () => {
    const offered = interaction({ on_offer_timeout: null, callback: callback({ name: null, phone: "+14155550100" }) });
    const timedOut = later(offered, { state: "timed_out" }, "2026-11-26T10:00:31Z");
    const state = run(emptyDesk, loaded([offered]), on(event("interaction.timed_out", timedOut)));
    expect(state.notices).toHaveLength(1);
    expect(state.notices[0]?.text).toBe("You did not answer the offer for +14155550100 in time: it went back to the queue.");
  });

  it("do not warn of a time-out for an offer never seen, nor for a stale one", () => {
    const offered = interaction();
    const timedOut = later(offered, { state: "timed_out" }, "2026-11-26T10:00:31Z");
    expect(run(emptyDesk, loaded(), on(event("interaction.timed_out", timedOut))).notices).toEqual([]);
    const accepted = later(offered, { state: "connected" }, "2026-11-26T10:00:40Z");
    expect(run(emptyDesk, loaded([accepted]), on(event("interaction.timed_out", timedOut))).notices).toEqual([]);
  });

  it("tell when the customer withdrew the request", () => {
    const offered = interaction({ callback: callback({ name: "Grace Hopper" }) });
    const withdrawn = later(offered, { state: "withdrawn" }, "2026-11-26T10:00:10Z");
    let state = run(emptyDesk, loaded([offered]), on(event("interaction.withdrawn", withdrawn)));
    expect(state.notices).toEqual([
      { key: `withdrawn-${offered.id}`, kind: "info", text: "Grace Hopper cancelled the callback request." },
    ]);
    // Hearing it again does not repeat the notice.
    state = run(state, on(event("interaction.withdrawn", later(withdrawn, {}, "2026-11-26T10:00:11Z"))));
    expect(state.notices).toHaveLength(1);
  });

  it("tell when a call was transferred here", () => {
    const arrived = interaction({ state: "connected", callback: callback({ name: "", phone: "+442071234567" }) });
    const state = run(emptyDesk, loaded(), on(event("interaction.transferred", arrived)));
    expect(state.interactions[arrived.id]).toEqual(arrived);
    expect(state.notices).toEqual([
      { key: `in-${arrived.id}`, kind: "info", text: "A colleague transferred a call with +442071234567 to you.", interactionId: arrived.id },
    ]);
  });

  it("name who handed a call over and why, for a transfer and a conference", () => {
    const handover = { how: "transfer" as const, source: nextId(), agent: "ada", agent_name: "Ada Lovelace", reason: " Wants a higher limit. ", at: "2026-11-26T10:00:00Z" };
    const transferred = interaction({ state: "connected", handover, callback: callback({ name: "Dana Reyes" }) });
    let state = run(emptyDesk, loaded(), on(event("interaction.transferred", transferred)));
    expect(state.notices.map((n) => n.text)).toEqual(["Ada Lovelace transferred a call with Dana Reyes to you: “Wants a higher limit”."]);
    const joined = interaction({ state: "joined", handover: { ...handover, how: "conference", reason: null }, callback: callback({ name: "Lee Park" }) });
    state = run(state, on(event("interaction.joined", joined)));
    expect(state.notices.map((n) => n.text)).toContain("Ada Lovelace brought you into a call with Lee Park.");
    expect(state.interactions[joined.id]?.state).toBe("joined");
    expect(handoverText(interaction({ handover: { ...handover, agent_name: null } }))).toMatch(/^ada transferred/);
  });

  it("are dismissed one at a time", () => {
    const a = interaction();
    const b = interaction();
    let state = run(
      emptyDesk,
      loaded([a, b]),
      on(event("interaction.withdrawn", later(a, { state: "withdrawn" }, "2026-11-26T10:01:00Z"))),
      on(event("interaction.timed_out", later(b, { state: "timed_out" }, "2026-11-26T10:01:00Z"))),
    );
    expect(state.notices.map((n) => n.key)).toEqual([`withdrawn-${a.id}`, `timeout-${b.id}`]);
    state = run(state, { type: "dismiss", key: `withdrawn-${a.id}` });
    expect(state.notices.map((n) => n.key)).toEqual([`timeout-${b.id}`]);
    expect(run(state, { type: "dismiss", key: "nothing" }).notices).toEqual(state.notices);
    state = run(state, { type: "dismiss", key: `timeout-${b.id}` });
    expect(state.notices).toEqual([]);
  });
});

describe("the reducer is pure", () => {
  it("does not change the state it is given", () => {
    const offered = interaction();
    const state = run(emptyDesk, loaded([offered], [status()]));
    const snapshot = structuredClone(state);
    run(
      state,
      on(event("interaction.timed_out", later(offered, { state: "timed_out" }, "2026-11-26T10:01:00Z"))),
      { type: "statuses", statuses: [status({ status: "not_ready", since: "2026-11-26T10:01:00Z" })] },
      { type: "dismiss", key: `timeout-${offered.id}` },
    );
    expect(state).toEqual(snapshot);
    expect(emptyDesk).toEqual({ agentId: null, interactions: {}, statuses: {}, lastEventId: null, notices: [] });
  });
});

describe("offers and openInteractions", () => {
  const at = (minute: number) => `2026-11-26T10:${String(minute).padStart(2, "0")}:00Z`;
  const desk = () => {
    const all = [
      interaction({ state: "offered", created_at: at(5) }),
      interaction({ state: "connected", created_at: at(4) }),
      interaction({ state: "offered", created_at: at(1) }),
      interaction({ state: "done", created_at: at(0) }),
      interaction({ state: "rejected", created_at: at(0) }),
      interaction({ state: "timed_out", created_at: at(0) }),
      interaction({ state: "withdrawn", created_at: at(0) }),
      interaction({ state: "ready_to_call", created_at: at(9) }),
      interaction({ state: "preview", created_at: at(2) }),
      interaction({ state: "on_hold", created_at: at(3) }),
    ];
    return { all, state: run(emptyDesk, loaded(all)) };
  };

  it("offers are the offered interactions, oldest first", () => {
    const { all, state } = desk();
    expect(offers(state).map((i) => i.id)).toEqual([all[2]?.id, all[0]?.id]);
  });

  it("open interactions are the accepted ones not yet final, oldest first", () => {
    const { state } = desk();
    expect(openInteractions(state).map((i) => i.state)).toEqual(["preview", "on_hold", "connected", "ready_to_call"]);
  });

  it("an offer leaves both lists when it ends, and moves to open when accepted", () => {
    const { all, state } = desk();
    const first = all[2] as Interaction;
    const accepted = run(state, on(event("interaction.accepted", later(first, { state: "dialing" }, at(20)))));
    expect(offers(accepted)).toHaveLength(1);
    expect(openInteractions(accepted).map((i) => i.id)[0]).toBe(first.id);
    for (const final of FINAL_STATES) {
      const ended = run(state, on(event(`interaction.${final}`, later(first, { state: final as Interaction["state"] }, at(20)))));
      expect(offers(ended).map((i) => i.id)).not.toContain(first.id);
      expect(openInteractions(ended).map((i) => i.id)).not.toContain(first.id);
    }
  });

  it("the final states are exactly done, rejected, timed_out and withdrawn", () => {
    expect([...FINAL_STATES].sort()).toEqual(["done", "rejected", "timed_out", "withdrawn"]);
  });

  it("are empty on an empty desk", () => {
    expect(offers(emptyDesk)).toEqual([]);
    expect(openInteractions(emptyDesk)).toEqual([]);
  });
});

describe("the interaction on screen", () => {
  const a = interaction({ state: "connected", created_at: "2026-11-26T10:00:00Z" });
  const b = interaction({ state: "connected", created_at: "2026-11-26T10:05:00Z" });

  it("is the one the agent picked, even when a newer one arrives", () => {
    expect(keepShown([a], a.id)).toBe(a.id);
    expect(keepShown([a, b], a.id)).toBe(a.id);
  });

  it("is the newest when none was picked or the picked one is gone", () => {
    expect(keepShown([a, b], null)).toBe(b.id);
    expect(keepShown([a, b], "gone")).toBe(b.id);
    expect(keepShown([], a.id)).toBeNull();
  });
});
