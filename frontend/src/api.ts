// The one place that knows how to reach the server.
//
// Every URL is relative to document.baseURI: the server puts <base href="{base_url}/"> in the
// page, so the same build works at / and under any --base-url prefix.

/** One plugin's entry in `data/plugins_listing` (TensorBoard's shape). */
export interface PluginEntry {
  enabled: boolean;
  tab_name: string;
  remove_dom: boolean;
}

/** `data/plugins_listing`: every plugin the server knows, in the server's order. */
export type PluginsListing = Record<string, PluginEntry>;

/** `data/environment`. */
export interface Environment {
  version: string;
  window_title: string;
  /** The log directory the server reads, or "" when it only serves live plots. */
  data_location: string;
  readonly: boolean;
  /** How visitors log in: "none", "token" or "password". */
  auth: 'none' | 'token' | 'password';
}

/** Messages the status socket (`api/ws`) sends. */
export type StatusMessage =
  | { type: 'hello'; environment: Environment; views: PluginsListing }
  | { type: 'views'; views: PluginsListing }
  | { type: 'pong' }
  | { type: 'error'; message: string };

/** Absolute URL of a server path such as `data/environment` (a leading slash is ignored). */
export function apiUrl(path: string): string {
  return new URL(path.replace(/^\/+/, ''), document.baseURI).toString();
}

/** The `ws:`/`wss:` URL of a server path. */
export function socketUrl(path: string): string {
  const url = new URL(apiUrl(path));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** A request the server answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`GET ${url} failed with HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'ApiError';
  }
}

/** GET a server path and parse its JSON; rejects with ApiError on an HTTP error status. */
export async function getJSON<T>(path: string, init: { signal?: AbortSignal } = {}): Promise<T> {
  const url = apiUrl(path);
  const response = await fetch(url, {
    signal: init.signal,
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) {
    throw new ApiError(url, response.status, await response.text().catch(() => ''));
  }
  return (await response.json()) as T;
}

// ---------------------------------------------------------------------------------------------
// The status socket: is the server alive, and which views have data.

export type ConnectionState =
  /** First attempt since the page opened. */
  | { kind: 'connecting' }
  | { kind: 'connected' }
  /** Lost or never reached; `retryAt` (epoch ms) is null while a new attempt is under way. */
  | { kind: 'offline'; retryAt: number | null; attempt: number };

export interface ReconnectPolicy {
  /** Delay before the first retry, ms. */
  minDelayMs: number;
  /** The delay doubles on each failure up to this, ms. */
  maxDelayMs: number;
  /** How often a ping checks that an idle connection is still alive, ms. */
  heartbeatMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  minDelayMs: 500,
  maxDelayMs: 5000,
  heartbeatMs: 15000,
};

/** Delay before retry number `attempt` (0-based): exponential back-off, capped. */
export function retryDelayMs(attempt: number, policy: ReconnectPolicy): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, attempt));
}

type Listener<T> = (value: T) => void;

/**
 * The page's link to `api/ws`. It reconnects by itself with exponential back-off, and checks
 * an idle connection with a ping so a silently dropped one is noticed.
 */
export class StatusSocket {
  private socket: WebSocket | null = null;
  private currentState: ConnectionState = { kind: 'connecting' };
  private failures = 0;
  private retryTimer: number | undefined;
  private heartbeatTimer: number | undefined;
  private lastHeardAt = 0;
  private running = false;
  private readonly stateListeners = new Set<Listener<ConnectionState>>();
  private readonly messageListeners = new Set<Listener<StatusMessage>>();

  constructor(
    private readonly url: () => string = () => socketUrl('api/ws'),
    private readonly policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY,
  ) {}

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Calls `listener` on every state change; returns the function that stops it. */
  onState(listener: Listener<ConnectionState>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Calls `listener` on every message from the server; returns the function that stops it. */
  onMessage(listener: Listener<StatusMessage>): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    window.addEventListener('online', this.retryNow);
    this.connect();
  }

  stop(): void {
    this.running = false;
    window.removeEventListener('online', this.retryNow);
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.heartbeatTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  /** Skip the rest of the back-off and try now (the indicator's "Retry now" button). */
  readonly retryNow = (): void => {
    if (!this.running || this.currentState.kind === 'connected' || this.socket) return;
    window.clearTimeout(this.retryTimer);
    this.connect();
  };

  private connect(): void {
    if (this.currentState.kind === 'offline') {
      this.setState({ kind: 'offline', retryAt: null, attempt: this.failures });
    }
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.failures = 0;
      this.lastHeardAt = Date.now();
      this.startHeartbeat(socket);
      this.setState({ kind: 'connected' });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (socket !== this.socket) return;
      this.lastHeardAt = Date.now();
      const message = parseMessage(event.data);
      if (message) this.messageListeners.forEach((listener) => listener(message));
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = null;
      window.clearInterval(this.heartbeatTimer);
      if (this.running) this.scheduleRetry();
    };
  }

  private startHeartbeat(socket: WebSocket): void {
    window.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = window.setInterval(() => {
      if (Date.now() - this.lastHeardAt > 2 * this.policy.heartbeatMs) {
        socket.close(); // no pong to the last ping: treat the connection as lost
        return;
      }
      socket.send(JSON.stringify({ type: 'ping' }));
    }, this.policy.heartbeatMs);
  }

  private scheduleRetry(): void {
    const delay = retryDelayMs(this.failures, this.policy);
    this.failures += 1;
    this.setState({ kind: 'offline', retryAt: Date.now() + delay, attempt: this.failures });
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  private setState(state: ConnectionState): void {
    this.currentState = state;
    this.stateListeners.forEach((listener) => listener(state));
  }
}

function parseMessage(data: unknown): StatusMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const message: unknown = JSON.parse(data);
    if (message && typeof message === 'object' && 'type' in message) {
      return message as StatusMessage;
    }
  } catch {
    // A malformed frame is ignored: the next "views" message carries the full state again.
  }
  return null;
}

let sharedSocket: StatusSocket | null = null;

/** The page's single status socket, shared by the shell and any view that wants its messages. */
export function statusSocket(): StatusSocket {
  sharedSocket ??= new StatusSocket();
  return sharedSocket;
}
