// The WebSocket messages this page sends and reads, written once. Every interface with a
// `type` literal is a message of the AsyncAPI document at /api/v1/ws/asyncapi.json, and every
// field named here is one of that message's (or payload's) fields, required unless marked `?`:
// tests/web/test_ws_messages.py checks this file against the document the server generates.
import type { Schemas } from "../api/client";

type Nullable<T> = T | null;

// ---- payloads ----------------------------------------------------------------------------

export interface BarPayload {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface QuotePayload {
  ts: number;
  last: number;
  bid: number;
  ask: number;
}

export interface OrderPayload {
  id: string;
  client_order_id: string;
  account_id: string;
  symbol: string;
  side: Schemas["OrderSide"];
  type: Schemas["OrderType"];
  qty: number;
  filled_qty: number;
  filled_avg_price: Nullable<number>;
  limit_price: Nullable<number>;
  stop_price: Nullable<number>;
  trail_price: Nullable<number>;
  trail_percent: Nullable<number>;
  time_in_force: Schemas["TimeInForce"];
  order_class: Schemas["OrderClass"];
  status: Schemas["OrderStatus"];
  reject_reason: Nullable<string>;
  leg: Nullable<Schemas["LegRole"]>;
  parent_id: Nullable<string>;
  submitted_at: string;
}

export interface ExecutionPayload {
  id: string;
  order_id: string;
  symbol: string;
  side: Schemas["OrderSide"];
  qty: number;
  price: number;
  commission: number;
  liquidity: Schemas["Liquidity"];
  transacted_at: string;
}

export interface PositionPayload {
  symbol: string;
  qty: number;
  side: "long" | "short";
  avg_entry_price: Nullable<number>;
  realized_pl: number;
  opened_at: Nullable<string>;
}

export interface AccountPayload {
  account_id: string;
  balance: number;
  equity: Nullable<number>;
  unrealized_pl: Nullable<number>;
  realized_pl: number;
  pl_today: Nullable<number>;
  commissions: number;
  margin_used: Nullable<number>;
  buying_power: Nullable<number>;
}

/** A running strategy's signal: REST's signal without its parameters. */
export interface SignalPayload {
  id: string;
  symbol: string;
  resolution: string;
  strategy: string;
  direction: Schemas["Direction"];
  entry: number;
  stop: number;
  target: number;
  regime: Nullable<Schemas["Regime"]>;
  confidence: number;
  created_at: string;
  expires_at: string;
}

/** A symbol's regime after a closed bar: REST's reading, and whether it began a new one. */
export interface RegimePayload {
  symbol: string;
  resolution: string;
  regime: Schemas["Regime"];
  adx: number;
  plus_di: number;
  minus_di: number;
  atr: number;
  atr_percentile: number;
  ts: number;
  since: number;
  changed: boolean;
}

/** The risk topic's payload is REST's risk report, field for field. */
export type RiskPayload = Schemas["RiskRead"];
/** The trades topic's payload is REST's journal trade, field for field. */
export type TradePayload = Schemas["TradeRead"];

// ---- what the server sends ---------------------------------------------------------------

export interface ConnectedMessage {
  type: "connected";
  authenticated: boolean;
  username: Nullable<string>;
  server_version: string;
}

export interface SubscribedMessage {
  type: "subscribed";
  id: Nullable<string | number>;
  topics: string[];
}

export interface ErrorMessage {
  type: "error";
  id: Nullable<string | number>;
  code: string;
  reason: string;
}

export interface HeartbeatMessage {
  type: "heartbeat";
  time: string;
}

interface Update {
  topic: string;
  seq: number;
  snapshot: boolean;
}

export interface BarsUpdateMessage extends Update {
  type: "bars.update";
  symbol: string;
  resolution: string;
  bar: BarPayload;
  closed: boolean;
}

export interface QuotesUpdateMessage extends Update {
  type: "quotes.update";
  symbol: string;
  quote: QuotePayload;
}

export interface OrdersUpdateMessage extends Update {
  type: "orders.update";
  account_id: string;
  event: Nullable<string>;
  orders: OrderPayload[];
  execution: Nullable<ExecutionPayload>;
  reason: Nullable<string>;
}

export interface PositionsUpdateMessage extends Update {
  type: "positions.update";
  account_id: string;
  positions: PositionPayload[];
}

export interface ExecutionsUpdateMessage extends Update {
  type: "executions.update";
  account_id: string;
  executions: ExecutionPayload[];
}

export interface AccountUpdateMessage extends Update {
  type: "account.update";
  account_id: string;
  account: AccountPayload;
}

export interface RiskUpdateMessage extends Update {
  type: "risk.update";
  account_id: string;
  risk: RiskPayload;
}

export interface TradesUpdateMessage extends Update {
  type: "trades.update";
  account_id: string;
  trades: TradePayload[];
}

export interface SignalsUpdateMessage extends Update {
  type: "signals.update";
  symbol: string;
  signal: SignalPayload;
}

export interface RegimeUpdateMessage extends Update {
  type: "regime.update";
  symbol: string;
  regime: RegimePayload;
}

export type ServerMessage =
  | ConnectedMessage
  | SubscribedMessage
  | ErrorMessage
  | HeartbeatMessage
  | BarsUpdateMessage
  | QuotesUpdateMessage
  | OrdersUpdateMessage
  | PositionsUpdateMessage
  | ExecutionsUpdateMessage
  | AccountUpdateMessage
  | RiskUpdateMessage
  | TradesUpdateMessage
  | SignalsUpdateMessage
  | RegimeUpdateMessage;

// ---- what the page sends -----------------------------------------------------------------

export interface AuthMessage {
  type: "auth";
  token: string;
  id?: string;
}

export interface BarsSubscribeMessage {
  type: "bars.subscribe";
  symbol: string;
  resolution: string;
  id?: string;
}

export interface BarsUnsubscribeMessage {
  type: "bars.unsubscribe";
  symbol: string;
  resolution: string;
  id?: string;
}

export interface QuotesSubscribeMessage {
  type: "quotes.subscribe";
  symbols: string[];
  id?: string;
}

export interface QuotesUnsubscribeMessage {
  type: "quotes.unsubscribe";
  symbols: string[];
  id?: string;
}

interface AccountTopicMessage {
  account_id: string;
  id?: string;
}

export interface OrdersSubscribeMessage extends AccountTopicMessage {
  type: "orders.subscribe";
}
export interface PositionsSubscribeMessage extends AccountTopicMessage {
  type: "positions.subscribe";
}
export interface ExecutionsSubscribeMessage extends AccountTopicMessage {
  type: "executions.subscribe";
}
export interface AccountSubscribeMessage extends AccountTopicMessage {
  type: "account.subscribe";
}
export interface RiskSubscribeMessage extends AccountTopicMessage {
  type: "risk.subscribe";
}
export interface TradesSubscribeMessage extends AccountTopicMessage {
  type: "trades.subscribe";
}
export interface OrdersUnsubscribeMessage extends AccountTopicMessage {
  type: "orders.unsubscribe";
}
export interface PositionsUnsubscribeMessage extends AccountTopicMessage {
  type: "positions.unsubscribe";
}
export interface ExecutionsUnsubscribeMessage extends AccountTopicMessage {
  type: "executions.unsubscribe";
}
export interface AccountUnsubscribeMessage extends AccountTopicMessage {
  type: "account.unsubscribe";
}
export interface RiskUnsubscribeMessage extends AccountTopicMessage {
  type: "risk.unsubscribe";
}
export interface TradesUnsubscribeMessage extends AccountTopicMessage {
  type: "trades.unsubscribe";
}

/** Every symbol's signals and regime readings without a symbol. */
export interface SignalsSubscribeMessage {
  type: "signals.subscribe";
  symbol?: string;
  id?: string;
}

export interface SignalsUnsubscribeMessage {
  type: "signals.unsubscribe";
  symbol?: string;
  id?: string;
}

export type SubscribeMessage =
  | BarsSubscribeMessage
  | QuotesSubscribeMessage
  | OrdersSubscribeMessage
  | PositionsSubscribeMessage
  | ExecutionsSubscribeMessage
  | AccountSubscribeMessage
  | RiskSubscribeMessage
  | TradesSubscribeMessage
  | SignalsSubscribeMessage;

export type AccountTopic = "orders" | "positions" | "executions" | "account" | "risk" | "trades";
