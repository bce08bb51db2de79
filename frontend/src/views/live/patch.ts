// Applying the server's `window_update` patches (the RFC 6902 subset it writes) in place.
//
// Appends arrive as `add` operations on `/content/data/<i>/x/-`: pushing onto the window's own
// arrays costs O(points sent), and the plot is then redrawn with Plotly.react, never re-created.

import type { PatchOp } from './types';

/** Undo JSON Pointer escaping of one path segment. */
function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** Apply one operation to `doc`; false when its path does not exist (the caller re-fetches). */
function applyOne(doc: Record<string, unknown>, op: PatchOp): boolean {
  const segments = op.path.split('/').slice(1).map(unescapeSegment);
  if (segments.length === 0) return false;
  let parent: unknown = doc;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(parent)) {
      parent = parent[Number(segment)];
    } else if (isContainer(parent)) {
      parent = (parent as Record<string, unknown>)[segment];
    } else {
      return false;
    }
    if (!isContainer(parent)) return false;
  }
  const last = segments[segments.length - 1];
  if (Array.isArray(parent)) {
    if (last === '-') {
      if (op.op !== 'add') return false;
      parent.push(op.value);
      return true;
    }
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) return false;
    if (op.op === 'add') parent.splice(index, 0, op.value);
    else if (index >= parent.length) return false;
    else if (op.op === 'replace') parent[index] = op.value;
    else parent.splice(index, 1);
    return true;
  }
  const target = parent as Record<string, unknown>;
  if (op.op === 'remove') {
    if (!(last in target)) return false;
    delete target[last];
  } else {
    target[last] = op.value; // RFC 6902 lets `add` and `replace` both set a member
  }
  return true;
}

/**
 * Apply `ops` to `doc` in place. Returns false as soon as one operation does not fit the
 * document: the page's copy has drifted from the server's and must be fetched again.
 */
export function applyPatch(doc: Record<string, unknown>, ops: readonly PatchOp[]): boolean {
  for (const op of ops) {
    if (!applyOne(doc, op)) return false;
  }
  return true;
}

/** How many values each trace gains from `ops` (appends to `/content/data/<i>/x`). */
export function appendedPerTrace(ops: readonly PatchOp[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const op of ops) {
    const match = /^\/content\/data\/(\d+)\/x\/-$/.exec(op.path);
    if (match && op.op === 'add') {
      const index = Number(match[1]);
      counts.set(index, (counts.get(index) ?? 0) + 1);
    }
  }
  return counts;
}
