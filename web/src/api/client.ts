// The typed Workspace API client, generated from the server's OpenAPI document at build time.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { ApiProblem, type Problem } from "../lib/problems";

export type Schemas = components["schemas"];
export type Interaction = Schemas["InteractionRead"];
export type ChannelStatus = Schemas["ChannelStatusRead"];
export type Agent = Schemas["AgentRead"];
export type Action = Schemas["Action"];
export type CaseEntry = Schemas["HistoryRead"];
export type Target = Schemas["EntryRead"];
export type Contact = Schemas["ContactRead"];
export type DispositionNode = Schemas["DispositionNode"];

const CSRF_KEY = "ringback.csrf";

/** Browsers present the HttpOnly session cookie; changes also carry the CSRF token. */
export function rememberCsrf(token: string | null): void {
  if (token === null) localStorage.removeItem(CSRF_KEY);
  else localStorage.setItem(CSRF_KEY, token);
}

const csrf: Middleware = {
  onRequest({ request }) {
    const token = localStorage.getItem(CSRF_KEY);
    if (request.method !== "GET" && token) request.headers.set("X-CSRF-Token", token);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });
api.use(csrf);

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The answer's data, or an ApiProblem that says in words what went wrong. */
export async function unwrap<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch {
    throw new ApiProblem({ status: 0, code: "unreachable" });
  }
  if (answer.response.ok) return answer.data as T;
  const body = (answer.error ?? {}) as Partial<Problem>;
  throw new ApiProblem({ ...body, status: answer.response.status });
}
