// Small helpers for the views that draw their own charts on a <canvas> (histograms, PR curves):
// a crisp canvas on high-DPI screens, linear scales, round tick values, axes in the theme's
// colours. Charts that are ordinary line series use uPlot instead.
import { cssVar } from './hooks';

/** The plot area inside a canvas, in CSS pixels. */
export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The theme's colours and font, read when a chart is drawn (so it follows the theme). */
export interface PlotTheme {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  accent: string;
  font: string;
}

export function plotTheme(): PlotTheme {
  return {
    text: cssVar('--text') || '#1d1e21',
    muted: cssVar('--muted') || '#555',
    grid: cssVar('--border') || '#ddd',
    surface: cssVar('--surface') || '#fff',
    accent: cssVar('--focus') || '#1864ab',
    font: `12px ${cssVar('--font') || 'sans-serif'}`,
  };
}

/**
 * Size `canvas` to `width` x `height` CSS pixels at the screen's pixel ratio and return its
 * context, scaled so that drawing code works in CSS pixels.
 */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const pixelWidth = Math.max(1, Math.round(width * ratio));
  const pixelHeight = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== pixelWidth) canvas.width = pixelWidth;
  if (canvas.height !== pixelHeight) canvas.height = pixelHeight;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser cannot draw on a canvas');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

/** A linear map from [d0, d1] to [r0, r1] (a degenerate domain maps to the middle). */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (!(d1 !== d0) || !Number.isFinite(d1 - d0)) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/** About `count` round values (1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) return [min];
  const raw = Math.abs(max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  const low = Math.min(min, max);
  const high = Math.max(min, max);
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    ticks.push(Math.abs(value) < step * 1e-9 ? 0 : Number(value.toPrecision(12)));
  }
  return ticks;
}

/** Grid lines and labels of a horizontal axis at the bottom of `frame`. */
export function drawXAxis(
  context: CanvasRenderingContext2D,
  frame: Frame,
  ticks: number[],
  x: (value: number) => number,
  format: (value: number) => string,
  theme: PlotTheme,
): void {
  context.save();
  context.font = theme.font;
  context.fillStyle = theme.muted;
  context.strokeStyle = theme.grid;
  context.lineWidth = 1;
  context.textAlign = 'center';
  context.textBaseline = 'top';
  const bottom = frame.top + frame.height;
  for (const tick of ticks) {
    const px = Math.round(x(tick)) + 0.5;
    context.beginPath();
    context.moveTo(px, frame.top);
    context.lineTo(px, bottom + 4);
    context.stroke();
    context.fillText(format(tick), px, bottom + 6);
  }
  context.restore();
}

/** Grid lines and labels of a vertical axis, on the left (or right) of `frame`. */
export function drawYAxis(
  context: CanvasRenderingContext2D,
  frame: Frame,
  ticks: number[],
  y: (value: number) => number,
  format: (value: number) => string,
  theme: PlotTheme,
  side: 'left' | 'right' = 'left',
  grid = true,
): void {
  context.save();
  context.font = theme.font;
  context.fillStyle = theme.muted;
  context.strokeStyle = theme.grid;
  context.lineWidth = 1;
  context.textBaseline = 'middle';
  context.textAlign = side === 'left' ? 'right' : 'left';
  const right = frame.left + frame.width;
  for (const tick of ticks) {
    const py = Math.round(y(tick)) + 0.5;
    context.beginPath();
    if (grid) {
      context.moveTo(frame.left - (side === 'left' ? 4 : 0), py);
      context.lineTo(right + (side === 'right' ? 4 : 0), py);
    } else if (side === 'right') {
      context.moveTo(right, py);
      context.lineTo(right + 4, py);
    }
    context.stroke();
    context.fillText(format(tick), side === 'left' ? frame.left - 6 : right + 6, py);
  }
  context.restore();
}

/** An axis title: centred under the frame, or rotated beside it. */
export function drawAxisTitle(
  context: CanvasRenderingContext2D,
  frame: Frame,
  title: string,
  where: 'bottom' | 'left',
  theme: PlotTheme,
): void {
  context.save();
  context.font = theme.font;
  context.fillStyle = theme.muted;
  context.textAlign = 'center';
  if (where === 'bottom') {
    context.textBaseline = 'bottom';
    context.fillText(title, frame.left + frame.width / 2, frame.top + frame.height + 36);
  } else {
    context.translate(12, frame.top + frame.height / 2);
    context.rotate(-Math.PI / 2);
    context.textBaseline = 'middle';
    context.fillText(title, 0, 0);
  }
  context.restore();
}

/** A number from a JSON answer, where the server writes NaN and infinities as strings. */
export function jsonNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return Number.NaN;
}
