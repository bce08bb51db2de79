// From the distributions route to chart columns: x for the chosen axis and the nine
// percentile series, ordered by x.
import { jsonNumber } from '../../lib/canvasPlot';

/** What the horizontal axis shows (as in the Scalars view). */
export type XAxisKind = 'step' | 'relative' | 'wall';

export const X_AXIS_LABELS: Record<XAxisKind, string> = {
  step: 'Step',
  relative: 'Relative time',
  wall: 'Wall time',
};

/** The basis points of the nine series, from the minimum to the maximum. */
export const BASIS_POINTS = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000];

/** One step as `distributions?run&tag` answers it: `[wall, step, [[bp, value] x 9]]`. */
export type DistributionRow = [unknown, unknown, unknown[][]];

export interface DistributionColumns {
  x: number[];
  step: number[];
  wall: number[];
  /** Nine arrays, one per basis point (null where the value is not finite). */
  values: Array<Array<number | null>>;
  /** The first wall time (relative time starts there). */
  startWall: number;
}

/** Columns for `kind`, sorted by x; of several points at one x, the last written is kept. */
export function toColumns(rows: DistributionRow[], kind: XAxisKind): DistributionColumns {
  const parsed = rows.map(([wall, step, pairs]) => {
    const byBasisPoint = new Map(pairs.map((pair) => [jsonNumber(pair[0]), jsonNumber(pair[1])]));
    return {
      wall: jsonNumber(wall),
      step: jsonNumber(step),
      values: BASIS_POINTS.map((bp) => byBasisPoint.get(bp) ?? Number.NaN),
    };
  });
  const startWall = parsed.reduce((low, row) => Math.min(low, row.wall), Infinity);
  const xOf = (row: (typeof parsed)[number]) =>
    kind === 'step' ? row.step : kind === 'wall' ? row.wall : row.wall - startWall;
  const order = parsed
    .map((row, index) => ({ row, index, x: xOf(row) }))
    .filter((item) => Number.isFinite(item.x))
    .sort((a, b) => a.x - b.x || a.index - b.index)
    .filter((item, k, all) => k + 1 === all.length || all[k + 1].x !== item.x);
  return {
    x: order.map((item) => item.x),
    step: order.map((item) => item.row.step),
    wall: order.map((item) => item.row.wall),
    values: BASIS_POINTS.map((_, series) =>
      order.map((item) => {
        const value = item.row.values[series];
        return Number.isFinite(value) ? value : null;
      }),
    ),
    startWall: Number.isFinite(startWall) ? startWall : 0,
  };
}
