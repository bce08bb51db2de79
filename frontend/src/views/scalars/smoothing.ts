// Exponential moving average with TensorBoard's debiasing, so charts smooth exactly as it does.

/** Where an average stands after some points: the biased running value and how many it saw. */
export interface EmaState {
  last: number;
  count: number;
}

const START: EmaState = { last: 0, count: 0 };

function clampWeight(weight: number): number {
  return Math.min(weight, 0.999999);
}

/**
 * Smooth `values` with weight `weight` in [0, 1): each output is the EMA of the finite values so
 * far, divided by (1 - weight^n) so that the first points are not pulled towards zero.
 * Non-finite values pass through unchanged and do not disturb the average. A constant series
 * is returned as is (the division would only add rounding noise). `start` continues an average
 * over earlier points (a zoomed slice goes on from the points before it).
 */
export function emaSmooth(values: readonly number[], weight: number, start = START): number[] {
  if (!(weight > 0) || values.length === 0) return values.slice();
  const w = clampWeight(weight);
  if (start.count === 0 && isConstant(values)) return values.slice();

  const smoothed = new Array<number>(values.length);
  let { last, count } = start;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      smoothed[i] = value;
      continue;
    }
    last = last * w + (1 - w) * value;
    count += 1;
    smoothed[i] = last / (1 - w ** count);
  }
  return smoothed;
}

/** The average's state after the first `length` of `values`. */
export function emaState(values: readonly number[], weight: number, length: number): EmaState {
  const w = clampWeight(weight);
  let last = 0;
  let count = 0;
  for (let i = 0; i < Math.min(length, values.length); i++) {
    if (!Number.isFinite(values[i])) continue;
    last = last * w + (1 - w) * values[i];
    count += 1;
  }
  return { last, count };
}

function isConstant(values: readonly number[]): boolean {
  let first: number | null = null;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (first === null) first = value;
    else if (value !== first) return false;
  }
  return true;
}
