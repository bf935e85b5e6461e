import { describe, expect, it } from "vitest";
import { deskRegion, formatPhone } from "./phone";

describe("formatPhone", () => {
  it("writes a number of the agent's country in its national format", () => {
    expect(formatPhone("+12125550142", "US")).toBe("(212) 555-0142");
    expect(formatPhone("+442079460001", "GB")).toBe("020 7946 0001");
    expect(formatPhone("+33123456789", "FR")).toBe("01 23 45 67 89");
    expect(formatPhone("+4915112345678", "DE")).toBe("01511 2345678");
  });

  it("writes any other number in international format, spaced so it can wrap", () => {
    expect(formatPhone("+12125550142", "GB")).toBe("+1 212 555 0142");
    expect(formatPhone("+442079460001", "US")).toBe("+44 20 7946 0001");
    expect(formatPhone("+33123456789", null)).toBe("+33 1 23 45 67 89");
    expect(formatPhone("+33123456789")).toBe("+33 1 23 45 67 89");
  });

  it("keeps the international format for another country that shares the calling code", () => {
    expect(formatPhone("+14165550100", "US")).toBe("+1 416 555 0100"); // Toronto
    expect(formatPhone("+14165550100", "CA")).toBe("(416) 555-0100");
    expect(formatPhone("+18765550100", "US")).toBe("+1 876 555 0100"); // Jamaica
  });

  it("reads the region in any case", () => {
    expect(formatPhone("+12125550142", "us")).toBe("(212) 555-0142");
  });

  it("reads a national number in the agent's country", () => {
    expect(formatPhone("020 7946 0001", "GB")).toBe("020 7946 0001");
    expect(formatPhone("2125550142", "US")).toBe("(212) 555-0142");
  });

  it("shows what is not a valid number as it was given", () => {
    expect(formatPhone("+1212555014", "US")).toBe("+1212555014"); // a digit short
    expect(formatPhone("+999123", "US")).toBe("+999123");
    expect(formatPhone("12345", "US")).toBe("12345");
    expect(formatPhone("place:1002", "US")).toBe("place:1002");
    expect(formatPhone("", "US")).toBe("");
    expect(formatPhone("2125550142")).toBe("2125550142"); // national, and no country to read it in
    expect(formatPhone("+12125550142", "XX")).toBe("+1 212 555 0142");
  });
});

describe("deskRegion", () => {
  it("is the services' region when they share one", () => {
    expect(deskRegion([{ default_region: "US" }, { default_region: "us" }])).toBe("US");
  });

  it("is none when they differ, or when there is no service", () => {
    expect(deskRegion([{ default_region: "US" }, { default_region: "GB" }])).toBeNull();
    expect(deskRegion([])).toBeNull();
  });
});
