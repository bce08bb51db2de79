// From fetched series to what a chart draws: x values for the chosen axis, smoothing, order.
import type { RunSeries } from './data';
import { emaSmooth, emaState } from './smoothing';

/** What the horizontal axis shows. */
export type XAxisKind = 'step' | 'relative' | 'wall';

export const X_AXIS_LABELS: Record<XAxisKind, string> = {
  step: 'Step',
  relative: 'Relative time',
  wall: 'Wall time',
};

/** One run, ready to draw: points sorted by x, one point per x. */
export interface ChartRun {
  run: string;
  color: string;
  x: number[];
  step: number[];
  wall: number[];
  raw: number[];
  smoothed: number[];
  /** The run's first wall time (for relative times in the tooltip). */
  startWall: number;
}

function xValues(series: RunSeries, kind: XAxisKind, startWall: number): number[] {
  if (kind === 'step') return series.step;
  if (kind === 'wall') return series.wall;
  return series.wall.map((wall) => wall - startWall);
}

/** Indices of `x` in ascending order with, for equal x, only the last point written. */
function drawOrder(x: number[]): number[] {
  let sorted = true;
  for (let i = 1; i < x.length; i++) {
    if (!(x[i] > x[i - 1])) {
      sorted = false;
      break;
    }
  }
  if (sorted) return [];
  const order = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]));
  order.sort((a, b) => x[a] - x[b] || a - b);
  return order.filter((index, k) => k + 1 === order.length || x[order[k + 1]] !== x[index]);
}

function pick<T>(values: T[], order: number[]): T[] {
  return order.length ? order.map((i) => values[i]) : values;
}

/**
 * Chart runs from fetched series. `startWalls` gives each run's first wall time (from the
 * overview), so relative time stays anchored at the run's start when a zoomed slice is shown;
 * `before` (the overview's runs, for a zoomed slice) lets the smoothing go on from the points
 * left of the slice instead of starting afresh at its edge.
 */
export function chartRuns(
  series: RunSeries[],
  kind: XAxisKind,
  smoothing: number,
  colorOf: (run: string) => string,
  startWalls: Map<string, number>,
  before: ChartRun[] = [],
): ChartRun[] {
  const earlier = new Map(before.map((run) => [run.run, run]));
  return series.map((item) => {
    const startWall = startWalls.get(item.run) ?? item.wall[0] ?? 0;
    const unordered = xValues(item, kind, startWall);
    const order = drawOrder(unordered);
    const x = pick(unordered, order);
    const raw = pick(item.value, order);
    const prior = earlier.get(item.run);
    const start =
      prior && x.length && smoothing > 0
        ? emaState(prior.raw, smoothing, countBelow(prior.x, x[0]))
        : undefined;
    return {
      run: item.run,
      color: colorOf(item.run),
      x,
      step: pick(item.step, order),
      wall: pick(item.wall, order),
      raw,
      smoothed: emaSmooth(raw, smoothing, start),
      startWall,
    };
  });
}

/** How many values of sorted `x` are below `value`. */
function countBelow(x: number[], value: number): number {
  let low = 0;
  let high = x.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (x[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the point of sorted `x` nearest to `value` (-1 for an empty array). */
export function nearestIndex(x: number[], value: number): number {
  if (x.length === 0) return -1;
  let low = 0;
  let high = x.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (x[mid] < value) low = mid + 1;
    else high = mid;
  }
  if (low > 0 && Math.abs(x[low - 1] - value) <= Math.abs(x[low] - value)) return low - 1;
  return low;
}

/**
 * The step range of one run that covers the x range [x0, x1]: from the last point at or before
 * x0 to the first point at or after x1, so a zoomed slice joins the lines on either side.
 */
export function stepRangeFor(run: ChartRun, x0: number, x1: number): [number, number] | null {
  const { x, step } = run;
  if (x.length === 0) return null;
  let first = 0;
  while (first + 1 < x.length && x[first + 1] <= x0) first++;
  let last = x.length - 1;
  while (last - 1 >= 0 && x[last - 1] >= x1) last--;
  if (first > last) [first, last] = [last, first];
  let low = Infinity;
  let high = -Infinity;
  for (let i = first; i <= last; i++) {
    low = Math.min(low, step[i]);
    high = Math.max(high, step[i]);
  }
  return Number.isFinite(low) ? [low, high] : null;
}

/** The smallest and largest x of all runs, or null without points. */
export function xExtent(runs: ChartRun[]): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (const run of runs) {
    if (run.x.length === 0) continue;
    low = Math.min(low, run.x[0]);
    high = Math.max(high, run.x[run.x.length - 1]);
  }
  return low <= high ? [low, high] : null;
}

/** The q-th quantile (0..1) of sorted finite numbers. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * A zoom request kept inside the data's x extent: null (show everything) when it covers all of
 * it or there is no data, undefined when the range is empty and the zoom should not change.
 */
export function clampZoom(
  range: [number, number] | null,
  extent: [number, number] | null,
): [number, number] | null | undefined {
  if (!range || !extent) return null;
  const low = Math.max(Math.min(range[0], range[1]), extent[0]);
  const high = Math.min(Math.max(range[0], range[1]), extent[1]);
  if (low <= extent[0] && high >= extent[1]) return null;
  return high > low ? [low, high] : undefined;
}
