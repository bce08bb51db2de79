// Point colours from a metadata column: a categorical palette for few distinct values, a
// continuous scale for numbers, one colour otherwise.
import { runColor } from '../../lib/colors';

/** Most distinct values that get a legend entry each. */
export const MAX_CATEGORIES = 20;

export type Legend =
  | { kind: 'none' }
  | { kind: 'categorical'; entries: { value: string; color: string; count: number }[] }
  | { kind: 'continuous'; min: number; max: number; stops: string[] };

export interface Coloring {
  /** Linear RGB per point (3 floats each), for the colour attribute. */
  rgb: Float32Array;
  legend: Legend;
}

// Viridis-like stops: readable on light and dark backgrounds, and in grey.
const SCALE = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function hslToRgb(text: string): [number, number, number] {
  const [h, s, l] = (text.match(/[\d.]+/g) ?? ['0', '0', '50']).map(Number);
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return 255 * (l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return [f(0), f(8), f(4)];
}

/** A CSS colour (#rrggbb or hsl()) as linear RGB floats. */
export function linearRgb(color: string): [number, number, number] {
  const srgb = color.startsWith('#') ? hexToRgb(color) : hslToRgb(color);
  return srgb.map((byte) => {
    const c = byte / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
}

function scaleAt(t: number): [number, number, number] {
  const position = Math.min(1, Math.max(0, t)) * (SCALE.length - 1);
  const low = Math.floor(position);
  const high = Math.min(SCALE.length - 1, low + 1);
  const a = linearRgb(SCALE[low]);
  const b = linearRgb(SCALE[high]);
  const w = position - low;
  return [a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w];
}

function numeric(values: string[]): Float64Array | null {
  const numbers = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const text = values[i].trim();
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) return null;
    numbers[i] = value;
  }
  return numbers;
}

/** Colours of `count` points from a metadata column (or one `fallback` colour when null). */
export function colorBy(values: string[] | null, count: number, fallback: string): Coloring {
  const rgb = new Float32Array(count * 3);
  const fill = (i: number, color: [number, number, number]) => {
    rgb[i * 3] = color[0];
    rgb[i * 3 + 1] = color[1];
    rgb[i * 3 + 2] = color[2];
  };
  const uniform = (): Coloring => {
    const color = linearRgb(fallback);
    for (let i = 0; i < count; i++) fill(i, color);
    return { rgb, legend: { kind: 'none' } };
  };
  if (!values) return uniform();
  const counts = new Map<string, number>();
  for (const value of values) {
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (counts.size > MAX_CATEGORIES) break;
  }
  const numbers = numeric(values);
  // Numbers with many distinct values read better on a scale than as a crowded legend.
  if (numbers && counts.size > MAX_CATEGORIES / 2) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const value of numbers) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    const span = max - min || 1;
    for (let i = 0; i < count; i++) fill(i, scaleAt((numbers[i] - min) / span));
    return { rgb, legend: { kind: 'continuous', min, max, stops: SCALE } };
  }
  if (counts.size > MAX_CATEGORIES) return uniform();
  const order = [...counts.keys()].sort((a, b) =>
    numbers ? Number(a) - Number(b) : a.localeCompare(b),
  );
  const entries = order.map((value, i) => ({
    value,
    color: runColor(i),
    count: counts.get(value) ?? 0,
  }));
  const byValue = new Map(entries.map((entry) => [entry.value, linearRgb(entry.color)]));
  for (let i = 0; i < count; i++) fill(i, byValue.get(values[i]) ?? linearRgb(fallback));
  return { rgb, legend: { kind: 'categorical', entries } };
}
