// The page's link to the live server: Visdom's /socket, plus the few HTTP calls a page makes.

import { ApiError, apiUrl, retryDelayMs, socketUrl, DEFAULT_RECONNECT_POLICY } from '../../api';
import type { PaneEvent, Selection, ServerMessage, WindowDoc } from './types';

export type LinkState = 'connecting' | 'connected' | 'offline';

/** Messages that make up an env's stream (as opposed to env lists and saved views). */
const STREAMED = new Set(['window', 'window_update', 'close', 'reload']);

/** POST a JSON body, as Visdom's page does; resolves to the response text. */
export async function postJSON(path: string, body: unknown): Promise<string> {
  const url = apiUrl(path);
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new ApiError(url, response.status, text);
  return text;
}

/** URL path segment for an env id (ids never contain '/': the server escapes them). */
function segment(eid: string): string {
  return encodeURIComponent(eid);
}

/**
 * The `/socket` WebSocket: it reconnects by itself, and on each new connection asks the server
 * to stream the selected env (or compare view) again, so the page resynchronizes.
 */
export class LiveConnection {
  private socket: WebSocket | null = null;
  private failures = 0;
  private retryTimer: number | undefined;
  private running = false;
  private sid: string | null = null;
  private selection: Selection | null = null;
  /** Env streams asked for and not yet ended by their `layout` message. */
  private pendingStreams = 0;

  constructor(
    private readonly onMessage: (message: ServerMessage) => void,
    private readonly onState: (state: LinkState, readonly: boolean) => void,
    /** The server starts streaming the selection: the page clears its panes. */
    private readonly onStreamStart: () => void,
    /** The selection has streamed in full. */
    private readonly onStreamEnd: () => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    window.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  /** Open an env or a compare view; remembered for reconnects. */
  select(selection: Selection): Promise<void> {
    this.selection = selection;
    return this.stream();
  }

  /** Ask for the current selection again (e.g. after the compared envs changed). */
  refresh(): Promise<void> {
    return this.stream();
  }

  private async stream(): Promise<void> {
    const selection = this.selection;
    if (!selection || !this.sid) return;
    // The server answers each request with the env's windows and then `layout`, in order. When
    // the user switches again before a stream has ended, what is still to come of the older
    // stream is dropped (see `isStale`), and the panes are cleared when the newest one begins.
    this.pendingStreams += 1;
    if (this.pendingStreams === 1) this.onStreamStart();
    const path =
      selection.kind === 'env'
        ? `env/${segment(selection.eid)}`
        : `compare/${selection.eids.map(segment).join('+')}`;
    try {
      await postJSON(path, { sid: this.sid });
    } catch (error) {
      this.pendingStreams = Math.max(0, this.pendingStreams - 1);
      throw error;
    }
  }

  /** Whether `message` belongs to an env stream that a newer one has replaced. */
  private isStale(message: ServerMessage): boolean {
    if (message.command === 'layout') {
      if (this.pendingStreams === 0) return false;
      this.pendingStreams -= 1;
      if (this.pendingStreams > 0) {
        this.onStreamStart(); // the newer stream comes next
        return true;
      }
      this.onStreamEnd();
      return false;
    }
    return this.pendingStreams > 1 && STREAMED.has(message.command);
  }

  /** Send one of Visdom's page commands (`close`, `save`, `delete_env`, `forward_to_vis`...). */
  send(command: Record<string, unknown>): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(command));
    return true;
  }

  /** An event from a pane, for the Python clients' callbacks. */
  forward(eid: string, target: string, event: PaneEvent): boolean {
    return this.send({ cmd: 'forward_to_vis', data: { ...event, target, eid } });
  }

  private connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(socketUrl('socket'));
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onmessage = (event: MessageEvent) => {
      if (socket !== this.socket || typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return; // a malformed frame: the next full window carries the state again
      }
      if (this.isStale(message)) return;
      if (message.command === 'register') {
        this.failures = 0;
        this.pendingStreams = 0;
        this.sid = message.data;
        this.onState('connected', Boolean(message.readonly));
        void this.stream().catch(() => undefined);
      }
      this.onMessage(message);
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.sid = null;
      if (this.running) this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    const delay = retryDelayMs(this.failures, DEFAULT_RECONNECT_POLICY);
    this.failures += 1;
    this.onState('offline', false);
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }
}

/** The display copy of one window (long traces thinned to `points`, and cut to the x `range`
 * when one is given), or null when it no longer exists. */
export async function fetchWindow(
  eid: string,
  win: string,
  points: number,
  range: readonly [number, number] | null = null,
): Promise<WindowDoc | null> {
  const query = new URLSearchParams({ eid, win, points: String(points) });
  if (range) {
    query.set('x0', String(range[0]));
    query.set('x1', String(range[1]));
  }
  const response = await fetch(apiUrl(`data/plugin/live/window?${query}`));
  if (response.status === 404) return null;
  if (!response.ok) throw new ApiError(response.url, response.status, await response.text());
  return (await response.json()) as WindowDoc;
}
