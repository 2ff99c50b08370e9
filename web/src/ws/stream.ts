// The one WebSocket: signs in with the first message, resubscribes after every reconnect
// (with exponential backoff and jitter), and hands each message to the listeners.
import { reactive } from "vue";
import type { ServerMessage, SubscribeMessage } from "./messages";

export type ConnectionStatus = "offline" | "connecting" | "live" | "reconnecting";

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;

type Listener = (message: ServerMessage) => void;

function unsubscribeOf(message: SubscribeMessage): Record<string, unknown> {
  const { id: _id, ...rest } = message;
  return { ...rest, type: message.type.replace(".subscribe", ".unsubscribe") };
}

export class Stream {
  readonly state = reactive({
    status: "offline" as ConnectionStatus,
    /** Failed attempts since the last good connection. */
    attempts: 0,
    detail: "",
  });
  private socket: WebSocket | null = null;
  private readonly subscriptions = new Map<string, SubscribeMessage>();
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wanted = false;

  constructor(
    private readonly url: string,
    private readonly token: () => string | null,
    /** Asked for a fresh token when the server refused ours (close code 1008). */
    private readonly renew: () => Promise<boolean>,
  ) {}

  start(): void {
    this.wanted = true;
    if (!this.socket) this.open();
  }

  stop(): void {
    this.wanted = false;
    clearTimeout(this.timer);
    this.subscriptions.clear();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.state.status = "offline";
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Holds a subscription across reconnects; returns the function that drops it. */
  subscribe(message: SubscribeMessage): () => void {
    const key = JSON.stringify(message);
    this.subscriptions.set(key, message);
    if (this.state.status === "live") this.send(message);
    return () => {
      if (!this.subscriptions.delete(key)) return;
      if (this.state.status === "live") this.send(unsubscribeOf(message));
    };
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private open(): void {
    const token = this.token();
    if (!token) return;
    this.state.status = this.state.attempts ? "reconnecting" : "connecting";
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token }));
    socket.onmessage = (event) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === "connected" && message.authenticated) {
        this.state.status = "live";
        this.state.attempts = 0;
        this.state.detail = "";
        for (const subscription of this.subscriptions.values()) this.send(subscription);
      }
      for (const listener of this.listeners) listener(message);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.wanted) return;
      this.state.attempts += 1;
      this.state.status = "reconnecting";
      this.state.detail = event.reason || `closed (${event.code})`;
      const again = () => {
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.state.attempts - 1));
        this.timer = setTimeout(() => this.open(), delay * (0.5 + Math.random() / 2));
      };
      if (event.code === 1008) {
        // Our token was refused: a fresh one first (a failed refresh signs the page out).
        void this.renew().then((ok) => ok && this.wanted && again());
      } else {
        again();
      }
    };
  }
}

export function streamUrl(): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/ws`;
}
