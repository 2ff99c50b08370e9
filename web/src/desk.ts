// The signed-in trader's desk: the accounts, and the chosen one's orders, positions, fills,
// risk and open trades, loaded from REST and then kept live by the WebSocket's topics.
import { reactive } from "vue";
import { api, must, type Schemas } from "./api/client";
import { accessToken, refresh } from "./session";
import type {
  AccountPayload,
  AccountTopic,
  ExecutionPayload,
  OrderPayload,
  PositionPayload,
  QuotePayload,
  ServerMessage,
  TradePayload,
} from "./ws/messages";
import { Stream, streamUrl } from "./ws/stream";

export type Account = Schemas["AccountRead"];
export type Risk = Schemas["RiskRead"];
export type Position = PositionPayload & { point_value: number | null };

const WORKING = new Set(["new", "partially_filled", "held"]);
const ACCOUNT_TOPICS: AccountTopic[] = [
  "orders",
  "positions",
  "executions",
  "account",
  "risk",
  "trades",
];
const EXECUTIONS_KEPT = 200;

export interface Instrument {
  symbol: string;
  description: string;
  type: string;
  tick: number;
  lot: number;
  decimals: number;
}

export const desk = reactive({
  accounts: [] as Account[],
  accountId: "",
  account: null as Account | null,
  orders: {} as Record<string, OrderPayload>,
  positions: {} as Record<string, Position>,
  executions: [] as ExecutionPayload[],
  risk: null as Risk | null,
  openTrades: {} as Record<string, TradePayload>,
  /** Bumps whenever a trade closes or changes, so the journal reloads. */
  journalVersion: 0,
  quotes: {} as Record<string, QuotePayload>,
  symbol: "MNQ",
  instruments: {} as Record<string, Instrument>,
  /** The last order event worth a word (a rejection, a cancel with a reason). */
  notice: "",
});

export const stream = new Stream(streamUrl(), accessToken, refresh);
stream.listen(apply);

let dropTopics: (() => void)[] = [];
const quoteSubscriptions = new Map<string, () => void>();

export async function loadAccounts(): Promise<void> {
  desk.accounts = await must(api.GET("/api/v1/accounts"));
  const remembered = localStorage.getItem("propdesk.account");
  const pick =
    desk.accounts.find((a) => a.id === desk.accountId) ??
    desk.accounts.find((a) => a.id === remembered) ??
    desk.accounts[0];
  stream.start();
  if (pick && pick.id !== desk.accountId) await selectAccount(pick.id);
}

export async function selectAccount(accountId: string): Promise<void> {
  for (const drop of dropTopics) drop();
  dropTopics = [];
  desk.accountId = accountId;
  localStorage.setItem("propdesk.account", accountId);
  desk.orders = {};
  desk.positions = {};
  desk.executions = [];
  desk.openTrades = {};
  desk.risk = null;
  desk.notice = "";
  const path = { params: { path: { account_id: accountId } } };
  const [account, executions, risk] = await Promise.all([
    must(api.GET("/api/v1/accounts/{account_id}", path)),
    must(
      api.GET("/api/v1/accounts/{account_id}/executions", {
        params: { path: { account_id: accountId }, query: { limit: 50 } },
      }),
    ),
    must(api.GET("/api/v1/accounts/{account_id}/risk", path)),
    loadPositions(),
  ]);
  if (desk.accountId !== accountId) return;
  desk.account = account;
  desk.executions = executions;
  desk.risk = risk;
  for (const topic of ACCOUNT_TOPICS) {
    dropTopics.push(stream.subscribe({ type: `${topic}.subscribe`, account_id: accountId }));
  }
  stream.start();
}

/** REST's positions: the point values the WebSocket's position payloads leave out. */
async function loadPositions(): Promise<void> {
  const accountId = desk.accountId;
  const rows = await must(
    api.GET("/api/v1/accounts/{account_id}/positions", {
      params: { path: { account_id: accountId } },
    }),
  );
  if (desk.accountId !== accountId) return;
  const next: Record<string, Position> = {};
  for (const row of rows) next[row.symbol] = { ...row, point_value: row.point_value };
  desk.positions = next;
  watchQuotes();
}

export async function refreshAccount(): Promise<void> {
  if (!desk.accountId) return;
  desk.account = await must(
    api.GET("/api/v1/accounts/{account_id}", { params: { path: { account_id: desk.accountId } } }),
  );
  const index = desk.accounts.findIndex((a) => a.id === desk.account?.id);
  if (index >= 0 && desk.account) desk.accounts[index] = desk.account;
}

function mergeAccount(payload: AccountPayload): void {
  if (!desk.account) return;
  desk.account = {
    ...desk.account,
    balance: payload.balance,
    equity: payload.equity ?? desk.account.equity,
    unrealized_pnl: payload.unrealized_pl ?? desk.account.unrealized_pnl,
    realized_pnl: payload.realized_pl,
    pnl_today: payload.pl_today ?? desk.account.pnl_today,
    commissions: payload.commissions,
    margin_used: payload.margin_used ?? desk.account.margin_used,
    buying_power: payload.buying_power ?? desk.account.buying_power,
  };
}

function apply(message: ServerMessage): void {
  switch (message.type) {
    case "quotes.update":
      desk.quotes[message.symbol] = message.quote;
      return;
    case "orders.update": {
      if (message.account_id !== desk.accountId) return;
      if (message.snapshot) desk.orders = {};
      for (const order of message.orders) {
        if (WORKING.has(order.status)) desk.orders[order.id] = order;
        else delete desk.orders[order.id];
      }
      if (message.event === "rejected" || (message.event === "canceled" && message.reason)) {
        desk.notice = `${message.orders[0]?.symbol ?? ""} order ${message.event}: ${message.reason ?? ""}`;
      }
      return;
    }
    case "positions.update": {
      if (message.account_id !== desk.accountId) return;
      if (message.snapshot) {
        const known = desk.positions;
        desk.positions = {};
        for (const p of message.positions) {
          desk.positions[p.symbol] = { ...p, point_value: known[p.symbol]?.point_value ?? null };
        }
      } else {
        for (const p of message.positions) {
          if (p.qty === 0) delete desk.positions[p.symbol];
          else {
            const point = desk.positions[p.symbol]?.point_value ?? null;
            desk.positions[p.symbol] = { ...p, point_value: point };
          }
        }
      }
      if (Object.values(desk.positions).some((p) => p.point_value === null)) void loadPositions();
      watchQuotes();
      return;
    }
    case "executions.update":
      if (message.account_id !== desk.accountId) return;
      desk.executions = [...[...message.executions].reverse(), ...desk.executions].slice(
        0,
        EXECUTIONS_KEPT,
      );
      return;
    case "account.update":
      if (message.account_id === desk.accountId) mergeAccount(message.account);
      return;
    case "risk.update":
      if (message.account_id !== desk.accountId) return;
      desk.risk = message.risk;
      if (desk.account) {
        desk.account = { ...desk.account, can_trade: message.risk.can_trade };
      }
      return;
    case "trades.update":
      if (message.account_id !== desk.accountId) return;
      if (message.snapshot) desk.openTrades = {};
      for (const trade of message.trades) {
        if (trade.status === "open") desk.openTrades[trade.id] = trade;
        else delete desk.openTrades[trade.id];
      }
      if (!message.snapshot) desk.journalVersion += 1;
      return;
    default:
      return;
  }
}

/** Quotes for the chart's symbol and every open position's, nothing more. */
export function watchQuotes(): void {
  const wanted = new Set([desk.symbol, ...Object.keys(desk.positions)]);
  for (const [symbol, drop] of quoteSubscriptions) {
    if (!wanted.has(symbol)) {
      drop();
      quoteSubscriptions.delete(symbol);
    }
  }
  for (const symbol of wanted) {
    if (!quoteSubscriptions.has(symbol)) {
      quoteSubscriptions.set(symbol, stream.subscribe({ type: "quotes.subscribe", symbols: [symbol] }));
    }
  }
}

/** A position's P&L at the live quote (its mark: the bid for a long, the ask for a short). */
export function unrealized(position: Position): number | null {
  const quote = desk.quotes[position.symbol];
  if (!quote || position.point_value === null || position.avg_entry_price === null) return null;
  const mark = position.qty > 0 ? quote.bid : quote.ask;
  return (mark - position.avg_entry_price) * position.qty * position.point_value;
}

export function markOf(position: Position): number | null {
  const quote = desk.quotes[position.symbol];
  if (!quote) return null;
  return position.qty > 0 ? quote.bid : quote.ask;
}

/** Equity at the live quotes: the balance plus every position's P&L at its mark. */
export function liveEquity(): number | null {
  const account = desk.account;
  if (!account) return null;
  let open = 0;
  for (const position of Object.values(desk.positions)) {
    const value = unrealized(position);
    if (value === null) return account.equity;
    open += value;
  }
  return account.balance + open;
}

export async function instrument(symbol: string): Promise<Instrument> {
  const known = desk.instruments[symbol];
  if (known) return known;
  const info = await must(api.GET("/api/v1/datafeed/symbols", { params: { query: { symbol } } }));
  const tick = info.minmov / info.pricescale;
  const decimals = decimalsOf(tick);
  const made: Instrument = {
    symbol: info.name,
    description: info.description,
    type: info.type,
    tick,
    lot: 10 ** -info.volume_precision,
    decimals,
  };
  desk.instruments[symbol] = made;
  return made;
}

function decimalsOf(step: number): number {
  const text = step.toFixed(10).replace(/0+$/, "");
  const point = text.indexOf(".");
  return point < 0 ? 0 : text.length - point - 1;
}

/** A price on the instrument's tick grid (the broker refuses any other: INVALID_TICK). */
export function snap(price: number, inst: Instrument): number {
  return Number((Math.round(price / inst.tick) * inst.tick).toFixed(inst.decimals));
}

/** A quantity on the instrument's lot step, at least one step. */
export function snapQty(qty: number, inst: Instrument): number {
  const steps = Math.max(1, Math.round(qty / inst.lot));
  return Number((steps * inst.lot).toFixed(decimalsOf(inst.lot)));
}

export function resetDesk(): void {
  stream.stop();
  dropTopics = [];
  quoteSubscriptions.clear();
  desk.accounts = [];
  desk.accountId = "";
  desk.account = null;
  desk.orders = {};
  desk.positions = {};
  desk.executions = [];
  desk.risk = null;
  desk.openTrades = {};
}
