// RFC 9457 problem documents from the API, told in words a person understands.

export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  field?: string;
  errors?: { field?: string; in?: string; reason?: string }[];
  [extra: string]: unknown;
}

const PLAIN: Record<string, string> = {
  unreachable: "The server cannot be reached. Check the network; nothing you did was lost.",
  "not-signed-in": "Your session has ended. Please sign in again.",
  "invalid-credentials": "That login and password do not match.",
  "csrf-failed": "This page is out of date. Reload it and try again.",
  "not-your-interaction": "This interaction belongs to another agent.",
  "interaction-not-found": "This interaction no longer exists.",
  "interactions-open": "Finish the interactions on your desk first.",
  "consultation-not-connected": "The consultation target has not answered yet.",
  "own-place": "You cannot call your own place.",
  "slot-full": "That time slot has just filled up. Pick another one.",
  "not-a-supervisor": "This page is for supervisors.",
  "internal-error": "Something went wrong on the server. Try again in a moment.",
};

function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** One or two sentences for the agent: the server's detail, or a plain rewording of the code. */
export function describeProblem(problem: Problem): string {
  const code = problem.code ?? "";
  const plain = Object.hasOwn(PLAIN, code);
  if (plain && (!problem.detail || code === "unreachable" || code === "csrf-failed")) {
    return PLAIN[code] as string;
  }
  if (problem.errors && problem.errors.length > 0) {
    return problem.errors
      .map((e) => sentence(e.field ? `${e.field}: ${e.reason ?? "not valid"}` : (e.reason ?? "")))
      .join(" ");
  }
  if (problem.detail) return sentence(problem.detail);
  if (plain) return PLAIN[code] as string;
  if (problem.status >= 500) return PLAIN["internal-error"] as string;
  return sentence(problem.title ?? `The request failed (${problem.status})`);
}

export class ApiProblem extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(describeProblem(problem));
    this.problem = problem;
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiProblem) return error.message;
  if (error instanceof Error) return sentence(error.message);
  return "Something went wrong.";
}
