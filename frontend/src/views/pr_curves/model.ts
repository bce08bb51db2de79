// The PR curves route's answer, parsed, and the point of a curve nearest to the pointer.
import { jsonNumber } from '../../lib/canvasPlot';

/** One step of one run as `pr_curves?run&tag` answers it. */
export interface PrEntryJson {
  wall_time: unknown;
  step: unknown;
  precision: unknown[];
  recall: unknown[];
  true_positives: unknown[];
  false_positives: unknown[];
  true_negatives: unknown[];
  false_negatives: unknown[];
  thresholds: unknown[];
}

export interface PrCurve {
  step: number;
  wall: number;
  precision: number[];
  recall: number[];
  tp: number[];
  fp: number[];
  tn: number[];
  fn: number[];
  thresholds: number[];
}

export function parseCurve(entry: PrEntryJson): PrCurve {
  const numbers = (values: unknown[] | undefined) => (values ?? []).map(jsonNumber);
  return {
    step: jsonNumber(entry.step),
    wall: jsonNumber(entry.wall_time),
    precision: numbers(entry.precision),
    recall: numbers(entry.recall),
    tp: numbers(entry.true_positives),
    fp: numbers(entry.false_positives),
    tn: numbers(entry.true_negatives),
    fn: numbers(entry.false_negatives),
    thresholds: numbers(entry.thresholds),
  };
}

/** Points of `curve` that can be drawn (finite precision and recall), by threshold index. */
export function drawableIndices(curve: PrCurve): number[] {
  const indices: number[] = [];
  const count = Math.min(curve.precision.length, curve.recall.length);
  for (let i = 0; i < count; i++) {
    if (Number.isFinite(curve.precision[i]) && Number.isFinite(curve.recall[i])) indices.push(i);
  }
  return indices;
}
