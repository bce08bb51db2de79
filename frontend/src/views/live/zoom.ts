// Zooming into thinned traces: how many points to ask the server for so the zoomed range shows
// about as much detail as the whole plot did.
import type { TraceDoc } from './types';
import { DISPLAY_POINTS } from './windows';

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

/** The x extent of the traces as drawn (thinning keeps each trace's first and last point). */
function extent(traces: TraceDoc[]): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (const trace of traces) {
    const x = trace.x;
    if (!x?.length) continue;
    for (const value of [x[0], x[x.length - 1]]) {
      if (typeof value !== 'number') return null; // dates or categories: not zoomed in detail
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
  }
  return high > low ? [low, high] : null;
}

/**
 * Points per trace to fetch for the range [x0, x1] (0 for every point), or null when the
 * display resolution already shows everything there is.
 */
export function detailPoints(traces: TraceDoc[], x0: number, x1: number): number | null {
  const total = Math.max(0, ...traces.map((t) => t.torchscope_downsampled?.points ?? 0));
  const span = extent(traces);
  if (total === 0 || span === null) return null;
  const fraction = Math.min(1, (x1 - x0) / (span[1] - span[0]));
  const wanted = Math.ceil(DISPLAY_POINTS / Math.max(fraction, 1e-9));
  if (wanted <= DISPLAY_POINTS) return null;
  if (total <= MAX_DETAIL_POINTS && wanted >= total) return 0;
  return Math.min(MAX_DETAIL_POINTS, wanted);
}
