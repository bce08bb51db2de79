// Loads only the plotly.js chunks a figure needs: 2-D first (small), 3-D, WebGL 2-D and the
// rarer trace types when a figure asks for them.
import type { PlotlyStatic } from './plotly-types';

/** Trace types in the 2-D chunk (scatter comes with plotly.js's core). */
const TWO_D = new Set([
  'scatter',
  'bar',
  'box',
  'contour',
  'heatmap',
  'histogram',
  'pie',
  'sunburst',
]);
const GL = new Set(['scattergl']);
const THREE_D = new Set(['scatter3d', 'surface', 'mesh3d']);
const EXTRA = new Set([
  'barpolar', 'candlestick', 'carpet', 'cone', 'contourcarpet', 'funnel', 'funnelarea',
  'histogram2d', 'histogram2dcontour', 'icicle', 'image', 'indicator', 'isosurface', 'ohlc',
  'parcats', 'parcoords', 'sankey', 'scattercarpet', 'scatterpolar', 'scatterternary',
  'streamtube', 'table', 'treemap', 'violin', 'volume', 'waterfall',
]); // prettier-ignore

/** Whether a trace type can be drawn by some chunk (others would silently become scatter). */
export function isSupportedTraceType(type: string): boolean {
  return TWO_D.has(type) || GL.has(type) || THREE_D.has(type) || EXTRA.has(type);
}

/** Plotly with every trace type in `types` registered. */
export async function loadPlotly(types: Iterable<string>): Promise<PlotlyStatic> {
  const wanted = new Set(types);
  const chunks: Array<Promise<{ default: PlotlyStatic }>> = [import('./plotly2d')];
  const any = (set: Set<string>) => [...wanted].some((type) => set.has(type));
  if (any(GL)) chunks.push(import('./plotlyGl'));
  if (any(THREE_D)) chunks.push(import('./plotly3d'));
  if (any(EXTRA)) chunks.push(import('./plotlyExtra'));
  const [core] = await Promise.all(chunks);
  return core.default;
}
