import { describe, expect, it } from "vitest";
import { DEFAULT_ALERTS, RING_TONES, offerTitle, offerWho, readAlertSettings } from "./alerts";

const offer = (channel: string, name: string | null, phone = "+12125550142") => ({ channel, callback: { name, phone } });

describe("offerTitle", () => {
  it("names the oldest offer and counts them all", () => {
    expect(offerTitle([offer("webcallback", "Dana")], "Ringback")).toBe("(1) Offer: Web Callback – Dana – Ringback");
    expect(offerTitle([offer("voice", "Dana Reyes"), offer("webcallback", "Tom")], "Ringback")).toBe("(2) Offer: Voice – Dana Reyes – Ringback");
  });

  it("is the page's own title when no offer waits", () => {
    expect(offerTitle([], "Ringback")).toBe("Ringback");
  });

  it("shows the number when the customer gave no name, as the caller formats it", () => {
    expect(offerTitle([offer("voice", null)], "Ringback")).toBe("(1) Offer: Voice – +12125550142 – Ringback");
    expect(offerTitle([offer("voice", "")], "Ringback", () => "(212) 555-0142")).toBe("(1) Offer: Voice – (212) 555-0142 – Ringback");
    expect(offerWho(offer("voice", "Ann"), () => "never")).toBe("Ann");
  });
});

describe("readAlertSettings", () => {
  it("rings and does not notify until the agent says otherwise", () => {
    expect(readAlertSettings(null)).toEqual({ ring: true, tone: "phone", notify: false });
  });

  it("reads what was saved", () => {
    expect(readAlertSettings(JSON.stringify({ ring: false, tone: "chime", notify: true }))).toEqual({ ring: false, tone: "chime", notify: true });
  });

  it("keeps the defaults for what is missing, unknown or not JSON", () => {
    expect(readAlertSettings(JSON.stringify({ ring: false }))).toEqual({ ...DEFAULT_ALERTS, ring: false });
    expect(readAlertSettings(JSON.stringify({ ring: "no", tone: "siren", notify: 1 }))).toEqual(DEFAULT_ALERTS);
    expect(readAlertSettings(JSON.stringify({ tone: "constructor" }))).toEqual(DEFAULT_ALERTS);
    expect(readAlertSettings("{not json")).toEqual(DEFAULT_ALERTS);
    expect(readAlertSettings("null")).toEqual(DEFAULT_ALERTS);
    expect(readAlertSettings("[]")).toEqual(DEFAULT_ALERTS);
  });

  it("returns a copy, never the defaults themselves", () => {
    const read = readAlertSettings(null);
    read.ring = false;
    expect(DEFAULT_ALERTS.ring).toBe(true);
  });
});

describe("RING_TONES", () => {
  it("rings for about a second, well inside its repeat", () => {
    for (const tone of Object.values(RING_TONES)) {
      const end = Math.max(...tone.notes.map((n) => n.start + n.duration));
      expect(end).toBeGreaterThan(0.3);
      expect(end).toBeLessThanOrEqual(1.2);
      expect(tone.every).toBeGreaterThan(end + 1);
      for (const note of tone.notes) expect(note.duration).toBeGreaterThan(0.05);
    }
  });
});
