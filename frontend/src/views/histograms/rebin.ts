// From the server's histograms (buckets of any width, different at every step) to what the
// chart draws: every step rebinned to the same few bins over the range of all steps, as
// TensorBoard does, so outlines of different steps line up and stay readable.
import { jsonNumber } from '../../lib/canvasPlot';

/** One step as `histograms?run&tag` answers it: `[wall_time, step, [[left, right, count]]]`. */
export type HistogramRow = [unknown, unknown, unknown[][]];

export interface HistogramStep {
  wall: number;
  step: number;
  /** [left, right, count] buckets with finite edges. */
  buckets: Array<[number, number, number]>;
}

export interface Rebinned {
  /** bins + 1 edges, evenly spaced over every step's range. */
  edges: number[];
  /** Steps in increasing step order. */
  steps: Array<{ step: number; wall: number; counts: number[] }>;
  /** The largest bin count of all steps (at least 1). */
  maxCount: number;
}

/** Parse the route's answer; buckets with non-finite edges or counts are left out. */
export function parseHistograms(answer: HistogramRow[]): HistogramStep[] {
  return answer.map(([wall, step, rows]) => ({
    wall: jsonNumber(wall),
    step: jsonNumber(step),
    buckets: rows.flatMap((row) => {
      const left = jsonNumber(row[0]);
      const right = jsonNumber(row[1]);
      const count = jsonNumber(row[2]);
      return Number.isFinite(left) && Number.isFinite(right) && Number.isFinite(count)
        ? [[left, right, count] as [number, number, number]]
        : [];
    }),
  }));
}

/** The smallest left edge and the largest right edge of all steps, or null without buckets. */
function valueRange(steps: HistogramStep[]): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (const { buckets } of steps) {
    for (const [left, right, count] of buckets) {
      if (count === 0) continue;
      low = Math.min(low, left);
      high = Math.max(high, right);
    }
  }
  if (!(low <= high)) return null;
  if (low === high) return [low - 0.5, high + 0.5]; // a constant: one visible bump
  return [low, high];
}

/**
 * Every step rebinned to `bins` equal bins over the range of all steps. A bucket's count is
 * spread over the bins it overlaps in proportion to the overlap (uniform inside the bucket);
 * a zero-width bucket goes whole to the bin holding its edge.
 */
export function rebin(steps: HistogramStep[], bins: number): Rebinned {
  const count = Math.max(1, Math.floor(bins));
  const range = valueRange(steps) ?? [0, 1];
  const [low, high] = range;
  const width = (high - low) / count;
  const edges = Array.from({ length: count + 1 }, (_, i) => (i === count ? high : low + i * width));
  const binOf = (value: number) =>
    Math.min(count - 1, Math.max(0, Math.floor((value - low) / width)));
  let maxCount = 0;
  const ordered = [...steps].sort((a, b) => a.step - b.step || a.wall - b.wall);
  const result = ordered.map(({ step, wall, buckets }) => {
    const counts = new Array<number>(count).fill(0);
    for (const [left, right, total] of buckets) {
      if (total === 0) continue;
      if (!(right > left)) {
        counts[binOf(left)] += total;
        continue;
      }
      const first = binOf(left);
      const last = binOf(right);
      for (let bin = first; bin <= last; bin++) {
        const overlap = Math.min(right, edges[bin + 1]) - Math.max(left, edges[bin]);
        if (overlap > 0) counts[bin] += (total * overlap) / (right - left);
      }
    }
    for (const value of counts) maxCount = Math.max(maxCount, value);
    return { step, wall, counts };
  });
  return { edges, steps: result, maxCount: Math.max(maxCount, 1e-12) };
}
