// Who is signed in: tokens kept for this tab, refreshed quietly before they expire.
import { reactive } from "vue";
import { api, authMiddleware, must, type Schemas } from "./api/client";

type Tokens = { access: string; refresh: string; expiresAt: number };
const STORAGE_KEY = "propdesk.session";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export const session = reactive({
  tokens: null as Tokens | null,
  user: null as Schemas["UserRead"] | null,
  /** Why the sign-in page shows (a session that ended, a refused sign-in). */
  message: "",
});

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;

function store(pair: Schemas["TokenRead"]): void {
  const tokens = {
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + pair.expires_in * 1000,
  };
  session.tokens = tokens;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  schedule();
}

function schedule(): void {
  clearTimeout(refreshTimer);
  if (!session.tokens) return;
  const lifetime = session.tokens.expiresAt - Date.now();
  // Half the lifetime when it is short (tests), else a minute before expiry.
  const delay = Math.max(1_000, Math.min(lifetime - REFRESH_MARGIN_MS, lifetime / 2));
  refreshTimer = setTimeout(() => void refresh(), delay);
}

export function accessToken(): string | null {
  return session.tokens?.access ?? null;
}

/** Rotates the refresh token; false (and signed out) when the server refuses it. */
export function refresh(): Promise<boolean> {
  if (refreshing) return refreshing;
  const current = session.tokens;
  if (!current) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const pair = await must(
        api.POST("/api/v1/auth/refresh", { body: { refresh_token: current.refresh } }),
      );
      store(pair);
      return true;
    } catch {
      end("Your session has ended: sign in again.");
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

api.use(
  authMiddleware({
    token: accessToken,
    async onUnauthorized(retry) {
      if (session.tokens && (await refresh())) {
        const response = await retry();
        if (response.status !== 401) return response;
      }
      end("Your session has ended: sign in again.");
      return new Response(
        JSON.stringify({ title: "Unauthorized", status: 401, detail: "signed out" }),
        { status: 401, headers: { "Content-Type": "application/problem+json" } },
      );
    },
  }),
);

function end(message: string): void {
  clearTimeout(refreshTimer);
  session.tokens = null;
  session.user = null;
  session.message = message;
  sessionStorage.removeItem(STORAGE_KEY);
}

export async function signIn(username: string, password: string): Promise<void> {
  const pair = await must(
    api.POST("/api/v1/auth/token", {
      body: { username, password, scope: "" },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }),
  );
  store(pair);
  session.message = "";
  await loadUser();
}

export async function register(username: string, password: string): Promise<void> {
  await must(api.POST("/api/v1/auth/register", { body: { username, password } }));
  await signIn(username, password);
}

export async function signOut(): Promise<void> {
  const current = session.tokens;
  end("Signed out.");
  if (current) {
    // Revokes the whole sign-in server-side; the page is signed out either way.
    await api.POST("/api/v1/auth/logout", { body: { refresh_token: current.refresh } });
  }
}

async function loadUser(): Promise<void> {
  session.user = await must(api.GET("/api/v1/users/me"));
}

/** Picks up this tab's session after a reload (refreshing it if it expired meanwhile). */
export async function resume(): Promise<void> {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (!saved) return;
  try {
    session.tokens = JSON.parse(saved) as Tokens;
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return;
  }
  if (session.tokens.expiresAt - Date.now() < REFRESH_MARGIN_MS && !(await refresh())) return;
  schedule();
  try {
    await loadUser();
  } catch {
    // a 401 has already signed the page out, with its message
  }
}
