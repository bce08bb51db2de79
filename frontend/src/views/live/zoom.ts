// Zooming into thinned traces: the server keeps every point, so a zoom asks it for every point
// of the zoomed x range (thinned only past MAX_DETAIL_POINTS per trace).
import type { TraceDoc } from './types';
import type { Detail } from './windows';

/** The most points per trace a zoom asks for (about 2 MB of JSON, drawn in well under 1 s). */
export const MAX_DETAIL_POINTS = 100_000;

type RelayoutEvent = Record<string, unknown>;

/** The new x range of a Plotly relayout event: numbers, 'auto' (reset), or null (no change). */
export function zoomedRange(event: RelayoutEvent): [number, number] | 'auto' | null {
  if (event['xaxis.autorange'] === true) return 'auto';
  const range = Array.isArray(event['xaxis.range'])
    ? (event['xaxis.range'] as unknown[])
    : [event['xaxis.range[0]'], event['xaxis.range[1]']];
  const [x0, x1] = range.map(Number);
  return Number.isFinite(x0) && Number.isFinite(x1) && x1 > x0 ? [x0, x1] : null;
}

/** Whether the traces' x values are numbers (dates and categories are not fetched by range). */
function numericX(traces: TraceDoc[]): boolean {
  return traces.every((trace) => {
    const x = trace.x;
    return !x?.length || (typeof x[0] === 'number' && typeof x[x.length - 1] === 'number');
  });
}

/**
 * What to fetch for a zoom into [x0, x1]: every point of the range (thinned only if there are
 * more than MAX_DETAIL_POINTS), or null when every point is already on the page.
 */
export function zoomDetail(traces: TraceDoc[], x0: number, x1: number): Detail | null {
  if (!traces.some((trace) => trace.torchscope_downsampled) || !numericX(traces)) return null;
  return { points: MAX_DETAIL_POINTS, range: [x0, x1] };
}
