// The REST client: openapi-fetch typed by the types generated from the committed openapi.json.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"] & { order_id?: string };

export const api = createClient<paths>({ baseUrl: "" });

/** A refused request, carrying the server's problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(describeProblem(problem));
  }
  get code(): string | null {
    return this.problem.code ?? null;
  }
}

/** "MAX_CONTRACTS: 6 contracts would exceed the limit of 5", or the title and status. */
export function describeProblem(problem: Partial<Problem>): string {
  const detail = problem.detail ?? problem.title ?? "request failed";
  const fields = (problem.errors ?? []).map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; ");
  const text = fields ? `${detail} (${fields})` : detail;
  return problem.code ? `${problem.code}: ${text}` : text;
}

/** The data of a successful answer; a refusal throws an ApiError. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const body = (error ?? {}) as Partial<Problem>;
    const problem: Problem = {
      title: response.statusText || "Error",
      status: response.status,
      ...body,
    } as Problem;
    throw new ApiError(response.status, problem);
  }
  return data as T;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Adds the bearer token, and hands a 401 to `onUnauthorized` (which may refresh and retry). */
export function authMiddleware(hooks: {
  token: () => string | null;
  onUnauthorized: (retry: () => Promise<Response>, url: string) => Promise<Response>;
}): Middleware {
  const originals = new Map<string, Request>();
  return {
    onRequest({ request, id }) {
      const token = hooks.token();
      if (token && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      originals.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || !original || original.url.includes("/api/v1/auth/")) {
        return response;
      }
      const retry = async () => {
        const again = original.clone();
        const token = hooks.token();
        if (token) again.headers.set("Authorization", `Bearer ${token}`);
        return fetch(again);
      };
      return hooks.onUnauthorized(retry, original.url);
    },
    onError({ id }) {
      originals.delete(id);
    },
  };
}
