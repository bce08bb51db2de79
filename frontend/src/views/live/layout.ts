// Where panes go: their order and sizes, what the server remembers of them, and saved views.
//
// Panes flow left to right and wrap, each with its own pixel size; the order and sizes are what
// a user arranges, what `layout_item_update` stores per env (Visdom's `reload` items) and what
// a named view saves (`save_layouts`: {env: {view: {winId: [order, height, width]}}}).
import type { LayoutItem, WindowDoc } from './types';

export interface Size {
  w: number;
  h: number;
}

export interface Arrangement {
  order: string[];
  sizes: Record<string, Size>;
}

/** env -> view name -> window id -> [order, height, width] (Visdom's saved views). */
export type SavedViews = Record<string, Record<string, Record<string, [number, number, number]>>>;

export const MIN_SIZE: Size = { w: 220, h: 140 };
const MAX_DEFAULT: Size = { w: 900, h: 800 };
/** Height of a pane's title bar, added to a plot's own height. */
export const TITLE_BAR = 32;

function clamp(size: Size): Size {
  return {
    w: Math.round(Math.min(MAX_DEFAULT.w, Math.max(MIN_SIZE.w, size.w))),
    h: Math.round(Math.min(MAX_DEFAULT.h, Math.max(MIN_SIZE.h, size.h))),
  };
}

function given(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** A new pane's size: the window's width/height options where set, else one per pane type. */
export function defaultSize(doc: WindowDoc): Size {
  const width = given(doc.width);
  const height = given(doc.height);
  switch (doc.type) {
    case 'image':
    case 'image_history': {
      // Visdom's image width/height are the image's size: leave room for the bars below it.
      const extra = doc.type === 'image_history' ? 96 : 64;
      return clamp({ w: (width ?? 360) + 24, h: (height ?? 300) + TITLE_BAR + extra });
    }
    case 'properties': {
      const rows = Array.isArray(doc.content) ? doc.content.length : 3;
      return clamp({ w: width ?? 380, h: height ?? TITLE_BAR + 24 + 40 * rows });
    }
    case 'text':
      return clamp({ w: width ?? 380, h: (height ?? 260) + TITLE_BAR });
    case 'embeddings':
    case 'network':
      return clamp({ w: width ?? 520, h: (height ?? 480) + TITLE_BAR });
    default:
      return clamp({ w: width ?? 480, h: (height ?? 360) + TITLE_BAR });
  }
}

/**
 * The arrangement for `windows`: `previous` where it knows a pane, then the server's stored
 * layout items (pixel items only: Visdom's page stored grid units), then defaults in `i` order.
 */
export function arrange(
  windows: WindowDoc[],
  previous: Arrangement,
  reload: Record<string, LayoutItem>,
): Arrangement {
  const ids = new Set(windows.map((doc) => doc.id));
  const known = previous.order.filter((id) => ids.has(id));
  const fresh = windows
    .filter((doc) => !known.includes(doc.id))
    .sort((a, b) => {
      const ia = reload[a.id]?.unit === 'px' ? reload[a.id].i : Infinity;
      const ib = reload[b.id]?.unit === 'px' ? reload[b.id].i : Infinity;
      return ia === ib ? (a.i ?? 0) - (b.i ?? 0) : ia - ib;
    });
  const sizes: Record<string, Size> = {};
  for (const doc of windows) {
    const item = reload[doc.id];
    const stored =
      item?.unit === 'px' && given(item.w) && given(item.h) ? { w: item.w!, h: item.h! } : null;
    sizes[doc.id] = previous.sizes[doc.id] ?? stored ?? defaultSize(doc);
  }
  return { order: [...known, ...fresh.map((doc) => doc.id)], sizes };
}

/** The layout item the server keeps for one pane. */
export function layoutItem(arrangement: Arrangement, win: string): LayoutItem {
  const size = arrangement.sizes[win];
  return {
    i: arrangement.order.indexOf(win),
    w: size?.w,
    h: size?.h,
    x: 0,
    y: 0,
    moved: false,
    static: false,
    unit: 'px',
  };
}

/** Parse the server's saved views (a JSON string); anything malformed counts as none. */
export function parseViews(text: string): SavedViews {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as SavedViews) : {};
  } catch {
    return {};
  }
}

/** `views` with `name` for `env` set to the current arrangement. */
export function withView(
  views: SavedViews,
  env: string,
  name: string,
  arrangement: Arrangement,
): SavedViews {
  const entry: Record<string, [number, number, number]> = {};
  arrangement.order.forEach((win, order) => {
    const size = arrangement.sizes[win] ?? MIN_SIZE;
    entry[win] = [order, size.h, size.w];
  });
  return { ...views, [env]: { ...(views[env] ?? {}), [name]: entry } };
}

/** `views` without `name` for `env`. */
export function withoutView(views: SavedViews, env: string, name: string): SavedViews {
  const forEnv = { ...(views[env] ?? {}) };
  delete forEnv[name];
  return { ...views, [env]: forEnv };
}

/** Apply a saved view: its panes in its order and sizes, panes it does not know after them. */
export function applyView(
  arrangement: Arrangement,
  view: Record<string, [number, number, number]>,
): Arrangement {
  const listed = arrangement.order
    .filter((win) => win in view)
    .sort((a, b) => view[a][0] - view[b][0]);
  const rest = arrangement.order.filter((win) => !(win in view));
  const sizes = { ...arrangement.sizes };
  for (const win of listed) {
    const [, h, w] = view[win];
    if (given(h) && given(w))
      sizes[win] = { w: Math.max(MIN_SIZE.w, w), h: Math.max(MIN_SIZE.h, h) };
  }
  return { order: [...listed, ...rest], sizes };
}

/** `order` with `win` moved to `index`. */
export function moved(order: string[], win: string, index: number): string[] {
  const without = order.filter((id) => id !== win);
  const at = Math.max(0, Math.min(without.length, index));
  return [...without.slice(0, at), win, ...without.slice(at)];
}
