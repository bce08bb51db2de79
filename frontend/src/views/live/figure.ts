// Turning a Visdom plot window into what plotly.js draws: the figure as sent, with the few
// rewrites today's plotly.js needs, the dashboard's theme colours where the figure sets none,
// and the pane's size.
import type { TraceDoc } from './types';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * plotly.js 3 dropped title strings and `titlefont`: Visdom (and figures made with older
 * plotly) still send `title: "loss"` and `titlefont: {...}`. Rewrite them as `{text, font}`.
 */
function normalizeTitle(container: Json): Json {
  const title = container.title;
  const font = container.titlefont;
  if (typeof title !== 'string' && typeof title !== 'number' && font === undefined)
    return container;
  const out: Json = { ...container };
  delete out.titlefont;
  delete out.titleside;
  const base: Json = isObject(title)
    ? { ...title }
    : title === undefined
      ? {}
      : { text: String(title) };
  if (isObject(font)) base.font = { ...(isObject(base.font) ? base.font : {}), ...font };
  if (typeof container.titleside === 'string') base.side = container.titleside;
  out.title = base;
  return out;
}

const AXIS_KEY = /^[xyz]axis\d*$|^(radial|angular)axis$/;
const SUBPLOT_KEY = /^(scene|polar|ternary)\d*$/;

function normalizeAxes(container: Json): Json {
  const out: Json = { ...container };
  for (const [key, value] of Object.entries(container)) {
    if (isObject(value) && AXIS_KEY.test(key)) out[key] = normalizeTitle(value);
    if (isObject(value) && SUBPLOT_KEY.test(key)) out[key] = normalizeAxes(value);
  }
  return out;
}

/** Visdom's 2-D `mesh` (not a plotly type): its polygons' edges, drawn as lines. */
function mesh2dAsLines(trace: TraceDoc): TraceDoc {
  const x = (trace.x ?? []) as number[];
  const y = (trace.y ?? []) as number[];
  const i = trace.i as number[] | undefined;
  const j = trace.j as number[] | undefined;
  const base = { type: 'scatter', name: trace.name, opacity: trace.opacity };
  if (!i || !j) return { ...base, x, y, mode: 'markers' };
  const xs: Array<number | null> = [];
  const ys: Array<number | null> = [];
  for (let n = 0; n < i.length; n++) {
    xs.push(x[i[n]], x[j[n]], null);
    ys.push(y[i[n]], y[j[n]], null);
  }
  const color = typeof trace.color === 'string' ? { color: trace.color } : {};
  return { ...base, x: xs, y: ys, mode: 'lines', line: color };
}

/** A trace as plotly.js should draw it (a shallow copy: point arrays are shared). */
export function normalizeTrace(trace: TraceDoc): Json {
  if (trace.type === 'mesh') return mesh2dAsLines(trace);
  const out: Json = { ...trace };
  delete out.torchscope_downsampled;
  if (out.type === 'heatmapgl') out.type = 'heatmap'; // removed from plotly.js 3
  if (out.type === 'pointcloud') out.type = 'scattergl'; // removed from plotly.js 3
  for (const holder of [out, out.marker]) {
    if (isObject(holder) && isObject(holder.colorbar)) {
      const target = holder === out ? out : (out.marker = { ...holder });
      target.colorbar = normalizeTitle(holder.colorbar as Json);
    }
  }
  return out;
}

/** The colours of the dashboard's current theme (its CSS variables). */
export interface ThemeColors {
  text: string;
  muted: string;
  border: string;
}

export function themeColors(): ThemeColors {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text', '#1d1e21'),
    muted: read('--muted', '#55595f'),
    border: read('--border', '#d9dadd'),
  };
}

/** Theme colours for one axis, under whatever the figure sets itself. */
function themedAxis(axis: unknown, colors: ThemeColors): Json {
  const given = isObject(axis) ? axis : {};
  return {
    gridcolor: colors.border,
    zerolinecolor: colors.border,
    linecolor: colors.border,
    ...given,
  };
}

/** Room at the top of a plot whose title the pane's title bar already shows. */
const UNTITLED_TOP_MARGIN = 24;

/**
 * The layout plotly.js gets: the figure's, themed, sized to the pane, with a data revision.
 * A figure title equal to the pane's title is dropped: the title bar shows it already.
 */
export function paneLayout(
  layout: unknown,
  colors: ThemeColors,
  revision: number,
  is3d: boolean,
  paneTitle = '',
): Json {
  const given = normalizeAxes(normalizeTitle(isObject(layout) ? layout : {}));
  const title = isObject(given.title) ? given.title.text : undefined;
  if (paneTitle && title === paneTitle) {
    delete given.title;
    const margin = isObject(given.margin) ? given.margin : {};
    const top =
      typeof margin.t === 'number' ? Math.min(margin.t, UNTITLED_TOP_MARGIN) : UNTITLED_TOP_MARGIN;
    given.margin = { ...margin, t: top };
  }
  const out: Json = {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    ...given,
    font: { color: colors.text, ...(isObject(given.font) ? given.font : {}) },
    // The pane decides the size; Visdom's width/height options became the pane's.
    autosize: true,
    // Appends change arrays in place: a new revision tells Plotly.react to look at them.
    datarevision: revision,
    // A constant UI revision keeps the user's zoom, pan and hidden traces through redraws.
    uirevision: given.uirevision ?? 'pane',
  };
  delete out.width;
  delete out.height;
  for (const key of Object.keys(out)) {
    if (AXIS_KEY.test(key)) out[key] = themedAxis(out[key], colors);
  }
  if (!is3d) {
    out.xaxis = themedAxis(out.xaxis, colors);
    out.yaxis = themedAxis(out.yaxis, colors);
  } else {
    const scene = isObject(out.scene) ? out.scene : {};
    out.scene = {
      ...scene,
      xaxis: themedAxis(scene.xaxis, colors),
      yaxis: themedAxis(scene.yaxis, colors),
      zaxis: themedAxis(scene.zaxis, colors),
    };
  }
  const margin = isObject(out.margin) ? out.margin : {};
  // Figures without margins get ones that suit a pane (Plotly's default 80 px wastes space).
  out.margin = { l: 50, r: 20, t: 40, b: 40, ...margin };
  return out;
}
