import { describe, expect, it } from "vitest";
import { ApiProblem, describeProblem, messageOf, type Problem } from "./problems";

describe("describeProblem", () => {
  it("uses the server's detail, as a sentence", () => {
    expect(describeProblem({ status: 409, code: "illegal-transition", detail: "the callback is already done" })).toBe(
      "The callback is already done.",
    );
    expect(describeProblem({ status: 409, detail: "  Too late!  " })).toBe("Too late!");
    expect(describeProblem({ status: 400, detail: "Is that a date?" })).toBe("Is that a date?");
  });

  it("prefers the detail to the plain wording of a known code", () => {
    expect(describeProblem({ status: 409, code: "slot-full", detail: "the 10:00 slot is full" })).toBe(
      "The 10:00 slot is full.",
    );
  });

  it("lists validation errors, one sentence each, with their field", () => {
    const problem: Problem = {
      status: 422,
      code: "invalid-request",
      detail: "phone: value is not a valid phone number",
      field: "phone",
      errors: [
        { field: "phone", in: "body", reason: "value is not a valid phone number" },
        { field: "", in: "body", reason: "the body is not valid JSON" },
        { field: "desired_time", in: "body" },
      ],
    };
    expect(describeProblem(problem)).toBe(
      "Phone: value is not a valid phone number. The body is not valid JSON. Desired_time: not valid.",
    );
  });

  it("reads the invalid-request document exactly as docs/api.md shows it", () => {
    const documented = JSON.parse(
      '{"type":"https://ringback.dev/problems/invalid-request","title":"Unprocessable Entity","status":422,' +
        '"code":"invalid-request","detail":"colour: Extra inputs are not permitted","instance":"/api/v1/callbacks",' +
        '"field":"colour","errors":[{"field":"colour","in":"body","reason":"Extra inputs are not permitted"}]}',
    ) as Problem;
    expect(describeProblem(documented)).toBe("Colour: Extra inputs are not permitted.");
  });

  it("never says nothing for a body-level validation error", () => {
    const problem: Problem = {
      status: 422,
      code: "invalid-request",
      detail: "JSON decode error",
      errors: [{ field: "", in: "body", reason: "JSON decode error" }],
    };
    expect(describeProblem(problem)).toBe("JSON decode error.");
  });

  it("ignores an empty errors list", () => {
    expect(describeProblem({ status: 422, detail: "bad input", errors: [] })).toBe("Bad input.");
  });

  it("rewords a known code that comes without a detail", () => {
    expect(describeProblem({ status: 403, code: "not-your-interaction" })).toBe(
      "This interaction belongs to another agent.",
    );
    expect(describeProblem({ status: 401, code: "not-signed-in" })).toBe("Your session has ended. Please sign in again.");
    expect(describeProblem({ status: 409, code: "slot-full", detail: "" })).toBe(
      "That time slot has just filled up. Pick another one.",
    );
  });

  it("keeps the plain wording for unreachable and csrf-failed even with a detail", () => {
    expect(describeProblem({ status: 0, code: "unreachable" })).toBe(
      "The server cannot be reached. Check the network; nothing you did was lost.",
    );
    expect(describeProblem({ status: 0, code: "unreachable", detail: "TypeError: Failed to fetch" })).toBe(
      "The server cannot be reached. Check the network; nothing you did was lost.",
    );
    expect(describeProblem({ status: 403, code: "csrf-failed", detail: "missing X-CSRF-Token" })).toBe(
      "This page is out of date. Reload it and try again.",
    );
  });

  it("says the server went wrong for a 5xx without detail", () => {
    const internal = "Something went wrong on the server. Try again in a moment.";
    expect(describeProblem({ status: 500 })).toBe(internal);
    expect(describeProblem({ status: 502, title: "Bad Gateway" })).toBe(internal);
    expect(describeProblem({ status: 503, code: "maintenance" })).toBe(internal);
  });

  it("falls back to the title, then to the status, for other failures", () => {
    expect(describeProblem({ status: 404, title: "Not Found" })).toBe("Not Found.");
    expect(describeProblem({ status: 400 })).toBe("The request failed (400).");
    expect(describeProblem({ status: 499, code: "unknown-code" })).toBe("The request failed (499).");
  });

  it("reads only its own table: a code named like an Object property is not a known code", () => {
    expect(describeProblem({ status: 400, code: "constructor" })).toBe("The request failed (400).");
    expect(describeProblem({ status: 400, code: "toString", title: "Bad Request" })).toBe("Bad Request.");
    expect(describeProblem({ status: 500, code: "hasOwnProperty" })).toBe(
      "Something went wrong on the server. Try again in a moment.",
    );
  });
});

describe("ApiProblem", () => {
  it("is an Error whose message is the problem in words", () => {
    const problem: Problem = { status: 403, code: "not-a-supervisor", instance: "/api/v1/supervisor" };
    const error = new ApiProblem(problem);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("This page is for supervisors.");
    expect(error.problem).toBe(problem);
    expect(error.problem.instance).toBe("/api/v1/supervisor");
    expect(error.code).toBe("not-a-supervisor");
  });

  it("has no code when the problem has none", () => {
    expect(new ApiProblem({ status: 500 }).code).toBeUndefined();
  });
});

describe("messageOf", () => {
  it("gives an ApiProblem's message as it is", () => {
    expect(messageOf(new ApiProblem({ status: 409, detail: "already accepted" }))).toBe("Already accepted.");
    expect(messageOf(new ApiProblem({ status: 0, code: "unreachable" }))).toBe(
      "The server cannot be reached. Check the network; nothing you did was lost.",
    );
  });

  it("makes another error's message a sentence", () => {
    expect(messageOf(new TypeError("failed to fetch"))).toBe("Failed to fetch.");
    expect(messageOf(new Error("Done!"))).toBe("Done!");
  });

  it("has a fallback for anything that is not an Error", () => {
    expect(messageOf("boom")).toBe("Something went wrong.");
    expect(messageOf(undefined)).toBe("Something went wrong.");
    expect(messageOf({ message: "not an Error" })).toBe("Something went wrong.");
  });
});
