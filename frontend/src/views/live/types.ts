// The Visdom wire protocol as the Live view sees it: what /socket sends and what pages send back.

/** A trace as the server pushes it (Plotly's trace JSON, plus torchscope's thinning note). */
export interface TraceDoc {
  type?: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  z?: unknown[];
  /** Set by the server when a long trace was thinned for display (the store keeps every point),
   * or cut to the x range [x0, x1] the user zoomed into. */
  torchscope_downsampled?: { points: number; shown: number; x0?: number; x1?: number };
  [key: string]: unknown;
}

export interface ImageContent {
  src: string;
  caption?: string | null;
}

export interface PropertyDoc {
  type: string;
  name: string;
  value: unknown;
  values?: unknown[];
}

export interface EmbeddingPoint {
  group: number;
  name: string;
  label: unknown;
  position: number[];
  idx: number;
}

export interface EmbeddingsContent {
  isLoading?: boolean;
  data?: EmbeddingPoint[];
  selected?: unknown;
  has_previous?: boolean;
  /** The original vectors, sent by torchscope.Visdom (not Visdom's client) for the Projector. */
  torchscope_vectors?: unknown;
}

export interface NetworkContent {
  nodes: Array<{ name: number | string; label?: string; club?: number }>;
  edges: Array<{ source: number | string; target: number | string; label?: string }>;
}

/** A pane: Visdom's window document (`command: "window"`). */
export interface WindowDoc {
  command: 'window';
  id: string;
  title?: string;
  type: string;
  content: unknown;
  contentID?: string;
  i?: number;
  version?: number;
  width?: number | null;
  height?: number | null;
  selected?: number;
  show_slider?: boolean;
  directed?: boolean;
  showEdgeLabels?: string | boolean;
  showVertexLabels?: string | boolean;
  [key: string]: unknown;
}

/** One RFC 6902 operation, as the server writes them in `window_update`. */
export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** Where a browser's layout item puts a pane (Visdom's `reload` items; sizes in pixels). */
export interface LayoutItem {
  i: number;
  w?: number;
  h?: number;
  x?: number;
  y?: number;
  moved?: boolean;
  static?: boolean;
  /** torchscope marks its own items: Visdom's page stored grid units instead of pixels. */
  unit?: 'px';
}

export type ServerMessage =
  | { command: 'register'; data: string; readonly?: boolean }
  | { command: 'layout_update'; data: string }
  | { command: 'env_update'; data: string[] }
  | WindowDoc
  | {
      command: 'window_update';
      win: string;
      env?: string;
      content: PatchOp[];
      version?: number;
      finalHash?: string;
    }
  | { command: 'reload'; data: Record<string, LayoutItem> }
  | { command: 'layout' }
  | { command: 'close'; data: string };

/** Events a pane sends to the Python clients (Visdom's `forward_to_vis`). */
export type PaneEvent =
  | { event_type: 'KeyPress'; key: string; key_code: number }
  | { event_type: 'Click'; image_coord: { x: number; y: number } }
  | { event_type: 'PropertyUpdate'; propertyId: number; value: unknown }
  | { event_type: 'EntitySelected'; entityId: string; idx: number; pane_data: false }
  | { event_type: 'RegionSelected'; selectedIdxs: number[]; pane_data: false };

/** What the page is looking at: one env, or several compared side by side. */
export type Selection = { kind: 'env'; eid: string } | { kind: 'compare'; eids: string[] };
