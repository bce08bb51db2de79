// The panes the page shows, kept in step with the server's pushes.
//
// Window documents are mutated in place when a patch arrives (appends stay O(points sent));
// each window carries a revision number that panes watch to know when to redraw.

import { appendedPerTrace, applyPatch } from './patch';
import type { PatchOp, TraceDoc, WindowDoc } from './types';

/** Points per trace the server sends for drawing (the store keeps every point). */
export const DISPLAY_POINTS = 4000;
/** A trace that appends made this many times longer than asked for is fetched again, thinned,
 * so drawing stays quick. */
const REFETCH_GROWTH = 4;

/** How a window is shown in more detail than the display resolution: `points` per trace
 * (0: every point), only of the x `range` when one is given (a zoom). */
export interface Detail {
  points: number;
  range: readonly [number, number] | null;
}

const DISPLAY: Detail = { points: DISPLAY_POINTS, range: null };

export interface LiveWindow {
  doc: WindowDoc;
  /** Bumped on every change the pane must draw. */
  rev: number;
}

type Listener = () => void;

interface QueuedPatch {
  ops: readonly PatchOp[];
  version: number | undefined;
}

/** The panes of the env (or compare view) on screen, and how pushes change them. */
export class WindowSet {
  private readonly windows = new Map<string, LiveWindow>();
  private readonly listeners = new Set<Listener>();
  /** Windows being fetched again, with the patches that arrived meanwhile. */
  private readonly fetching = new Map<string, QueuedPatch[]>();
  /** Windows shown in more detail than the display resolution (a zoom). */
  private readonly detail = new Map<string, Detail>();
  private revCounter = 0;
  private generation = 0;

  constructor(
    /** Fetches a window thinned to `points` per trace (0: all), cut to the x `range` when
     * one is given, from the server; null when the window is gone. */
    private readonly fetchWindow: (
      win: string,
      points: number,
      range: readonly [number, number] | null,
    ) => Promise<WindowDoc | null>,
  ) {}

  /** How `win` is drawn. */
  private shown(win: string): Detail {
    return this.detail.get(win) ?? DISPLAY;
  }

  /** Points per trace `win` is drawn with. */
  private budget(win: string): number {
    return this.shown(win).points;
  }

  /**
   * Show `win` in more detail, e.g. every point of the x range the user zoomed into; `null`
   * returns to the normal display resolution.
   */
  setDetail(win: string, detail: Detail | null): void {
    const before = this.shown(win);
    const wanted = detail ?? DISPLAY;
    if (sameDetail(wanted, DISPLAY)) this.detail.delete(win);
    else this.detail.set(win, wanted);
    if (!sameDetail(wanted, before)) this.refetch(win, true);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.listeners.forEach((listener) => listener());
  }

  /** Every window, in the server's order (`i`). */
  list(): LiveWindow[] {
    return [...this.windows.values()].sort((a, b) => (a.doc.i ?? 0) - (b.doc.i ?? 0));
  }

  get(win: string): LiveWindow | undefined {
    return this.windows.get(win);
  }

  /** Forget everything (another env is being opened). */
  clear(): void {
    this.generation += 1;
    this.fetching.clear();
    this.detail.clear();
    this.windows.clear();
    this.changed();
  }

  /** A full window document (create, replace, or a re-fetch). */
  put(doc: WindowDoc): void {
    this.fetching.delete(doc.id);
    this.windows.set(doc.id, { doc, rev: ++this.revCounter });
    this.changed();
  }

  remove(win: string): void {
    this.fetching.delete(win);
    this.detail.delete(win);
    if (this.windows.delete(win)) this.changed();
  }

  /** A `window_update`: apply the patch, or fetch the whole window when it does not fit. */
  patch(win: string, ops: readonly PatchOp[], version: number | undefined): void {
    const queued = this.fetching.get(win);
    if (queued) {
      queued.push({ ops, version });
      return;
    }
    const current = this.windows.get(win);
    if (!current || !this.applyInOrder(current.doc, ops, version)) {
      this.refetch(win);
      return;
    }
    const limit = this.budget(win) === 0 ? Infinity : REFETCH_GROWTH * this.budget(win);
    if (current.doc.type === 'plot' && tracesGrewPast(current.doc, ops, limit)) this.refetch(win);
    this.windows.set(win, { doc: current.doc, rev: ++this.revCounter });
    this.changed();
  }

  private applyInOrder(doc: WindowDoc, ops: readonly PatchOp[], version?: number): boolean {
    const inOrder =
      version === undefined || doc.version === undefined || version === doc.version + 1;
    if (!inOrder || !applyPatch(doc as Record<string, unknown>, ops)) return false;
    if (version !== undefined) doc.version = version;
    return true;
  }

  /** Fetch `win` again; patches arriving meanwhile are applied on top of the answer. A
   * `restart` replaces a fetch under way (its answer has the wrong resolution). */
  private refetch(win: string, restart = false): void {
    if (this.fetching.has(win) && !restart) return;
    const queue: QueuedPatch[] = [];
    this.fetching.set(win, queue);
    const generation = this.generation;
    const settle = (doc: WindowDoc | null) => {
      if (generation !== this.generation || this.fetching.get(win) !== queue) return;
      this.fetching.delete(win);
      if (doc === null) {
        this.remove(win);
        return;
      }
      for (const patch of queue) {
        if (
          patch.version !== undefined &&
          doc.version !== undefined &&
          patch.version <= doc.version
        )
          continue; // already in the fetched copy
        if (!this.applyInOrder(doc, patch.ops, patch.version)) {
          this.windows.set(win, { doc, rev: ++this.revCounter });
          this.refetch(win);
          return;
        }
      }
      this.put(doc);
    };
    const { points, range } = this.shown(win);
    this.fetchWindow(win, points, range).then(settle, () => {
      // Unreachable server: keep what is shown; the socket's reconnect re-opens the env.
      if (this.fetching.get(win) === queue) this.fetching.delete(win);
    });
  }
}

function sameDetail(a: Detail, b: Detail): boolean {
  return a.points === b.points && a.range?.[0] === b.range?.[0] && a.range?.[1] === b.range?.[1];
}

/** Keep the "N of M points" note right after appends; true when a trace is longer than
 * `limit` now. */
function tracesGrewPast(doc: WindowDoc, ops: readonly PatchOp[], limit: number): boolean {
  const traces = (doc.content as { data?: TraceDoc[] } | null)?.data ?? [];
  let tooLong = false;
  for (const [index, added] of appendedPerTrace(ops)) {
    const trace = traces[index];
    if (!trace) continue;
    if (trace.torchscope_downsampled) trace.torchscope_downsampled.points += added;
    if ((trace.x?.length ?? 0) > limit) tooLong = true;
  }
  return tooLong;
}
