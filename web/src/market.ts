// The market's side of the desk: each symbol's regime and the strategies' recent signals
// (REST first, then live on the signals topic), and the chosen account's auto-trading.
import { reactive } from "vue";
import { api, must, type Schemas } from "./api/client";
import { desk, stream } from "./desk";
import type { RegimePayload, ServerMessage, SignalPayload } from "./ws/messages";

export type Signal = SignalPayload;
export type Autotrade = Schemas["AutotradeRead"];
export type AutotradeUpdate = Schemas["AutotradeUpdate"];
export type Strategy = Schemas["StrategyRead"];

export interface RegimeReading {
  regime: Schemas["Regime"] | null;
  adx: number | null;
  /** Why there is no regime: warming up, or not classified. */
  note?: string;
}

const SIGNALS_KEPT = 20;

export const market = reactive({
  /** The resolution the regimes are read at (the server's first). */
  resolution: "",
  symbols: [] as string[],
  regimes: {} as Record<string, RegimeReading>,
  signals: [] as Signal[],
  strategies: [] as Strategy[],
  autotrade: null as Autotrade | null,
  loaded: false,
});

let dropSignals: (() => void) | null = null;
let stopListening: (() => void) | null = null;

export async function loadMarket(): Promise<void> {
  if (!stopListening) stopListening = stream.listen(apply);
  if (!dropSignals) dropSignals = stream.subscribe({ type: "signals.subscribe" });
  const [status, recent, strategies] = await Promise.all([
    must(api.GET("/api/v1/system/status")),
    must(api.GET("/api/v1/signals", { params: { query: { limit: SIGNALS_KEPT } } })),
    must(api.GET("/api/v1/strategies")),
  ]);
  market.resolution = status.resolution;
  market.symbols = status.symbols;
  for (const symbol of status.symbols) {
    const known = market.regimes[symbol];
    const regime = (status.regimes[symbol] ?? null) as Schemas["Regime"] | null;
    // A reading that came on the socket meanwhile is newer than the status.
    if (!known || known.regime === null) market.regimes[symbol] = { regime, adx: null };
  }
  const seen = new Set(market.signals.map((s) => s.id));
  market.signals = [...market.signals, ...recent.signals.filter((s) => !seen.has(s.id))]
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .slice(0, SIGNALS_KEPT);
  market.strategies = strategies;
  market.loaded = true;
}

/** One symbol's reading from REST: its inputs, or why it has none (503 warming up, 404). */
export async function loadRegime(symbol: string): Promise<void> {
  const { data, response } = await api.GET("/api/v1/market/regime/{symbol}", {
    params: { path: { symbol }, query: { resolution: market.resolution || undefined } },
  });
  if (data) {
    market.regimes[symbol] = { regime: data.regime, adx: data.adx };
    return;
  }
  if (market.regimes[symbol]?.regime) return; // the socket was quicker
  // 503 REGIME_WARMING_UP: the socket's first reading ends it.
  const note =
    response.status === 503
      ? "warming up"
      : response.status === 404
        ? "not classified"
        : `unavailable (${response.status})`;
  market.regimes[symbol] = { regime: null, adx: null, note };
}

export async function loadAutotrade(accountId: string): Promise<void> {
  market.autotrade = null;
  const read = await must(
    api.GET("/api/v1/accounts/{account_id}/autotrade", {
      params: { path: { account_id: accountId } },
    }),
  );
  if (desk.accountId === accountId) market.autotrade = read;
}

/** Replaces the account's auto-trading; a refusal throws the server's problem. */
export async function saveAutotrade(accountId: string, body: AutotradeUpdate): Promise<void> {
  const saved = await must(
    api.PUT("/api/v1/accounts/{account_id}/autotrade", {
      params: { path: { account_id: accountId } },
      body,
    }),
  );
  if (desk.accountId === accountId) market.autotrade = saved;
}

/** The strategies running on the server (`PROPDESK_STRATEGIES`) and the symbols they read. */
export function runningSymbols(names: string[]): string[] {
  const symbols = new Set<string>();
  for (const strategy of market.strategies) {
    if (!names.includes(strategy.name)) continue;
    for (const running of strategy.running) symbols.add(running.symbol);
  }
  return [...symbols].sort();
}

export function expired(signal: Signal, now = Date.now()): boolean {
  return Date.parse(signal.expires_at) <= now;
}

function apply(message: ServerMessage): void {
  if (message.type === "signals.update") {
    const signal = message.signal;
    if (market.signals.some((s) => s.id === signal.id)) return;
    market.signals = [signal, ...market.signals].slice(0, SIGNALS_KEPT);
  } else if (message.type === "regime.update") {
    take(message.regime);
  }
}

function take(reading: RegimePayload): void {
  if (market.resolution && reading.resolution !== market.resolution) return;
  market.regimes[reading.symbol] = {
    regime: reading.regime,
    adx: reading.adx,
  };
}

export function resetMarket(): void {
  dropSignals?.();
  dropSignals = null;
  stopListening?.();
  stopListening = null;
  market.signals = [];
  market.regimes = {};
  market.autotrade = null;
  market.loaded = false;
}
