// Drawing rebinned histograms on a canvas, and finding what the pointer is over.
//
// "offset": TensorBoard's ridgeline. Each step is an outline standing on its own baseline; the
// baselines go down the chart with the step, so older steps are at the back (top) and each newer
// one is drawn in front of them, filled so that it hides what is behind it.
// "overlay": every step on one baseline, its outline coloured from faint (old) to full (new).
import {
  drawAxisTitle,
  drawXAxis,
  drawYAxis,
  type Frame,
  linearScale,
  niceTicks,
  type PlotTheme,
  prepareCanvas,
} from '../../lib/canvasPlot';
import { formatStep, formatValue } from '../../lib/format';
import type { Rebinned } from './rebin';

export type HistogramMode = 'offset' | 'overlay';

export const PLOT_HEIGHT = 260;

/** The step and bin under the pointer (indices into Rebinned.steps and its bins). */
export interface Hover {
  stepIndex: number;
  bin: number;
}

/** Where things are on the canvas: what hit testing needs. */
export interface Layout {
  frame: Frame;
  x: (value: number) => number;
  /** The baseline of each step, px. */
  baselines: number[];
  /** A count as a height in px. */
  height: (count: number) => number;
}

function frameFor(width: number, mode: HistogramMode): Frame {
  const left = mode === 'overlay' ? 52 : 14;
  const right = mode === 'offset' ? 56 : 14;
  return { left, top: 10, width: Math.max(40, width - left - right), height: PLOT_HEIGHT - 44 };
}

/** The layout of `data` in a `width` px wide chart. */
export function layout(data: Rebinned, width: number, mode: HistogramMode): Layout {
  const frame = frameFor(width, mode);
  const { edges, steps, maxCount } = data;
  const x = linearScale(edges[0], edges[edges.length - 1], frame.left, frame.left + frame.width);
  const bottom = frame.top + frame.height;
  if (mode === 'overlay' || steps.length < 2) {
    const ridge = frame.height;
    return {
      frame,
      x,
      baselines: steps.map(() => bottom),
      height: (count) => (count / maxCount) * ridge * 0.95,
    };
  }
  // The ridges take the top 40% for the tallest outline; the baselines share the rest.
  const ridge = frame.height * 0.4;
  const first = steps[0].step;
  const last = steps[steps.length - 1].step;
  const baseline = linearScale(first, last, frame.top + ridge, bottom);
  return {
    frame,
    x,
    baselines: steps.map(({ step }) => baseline(step)),
    height: (count) => (count / maxCount) * ridge,
  };
}

/** How strongly step `index` of `total` is drawn: old steps faint, the newest at full strength. */
function recency(index: number, total: number): number {
  return total < 2 ? 1 : 0.3 + (0.7 * index) / (total - 1);
}

function outline(
  context: CanvasRenderingContext2D,
  data: Rebinned,
  lay: Layout,
  index: number,
): void {
  const { edges, steps } = data;
  const counts = steps[index].counts;
  const base = lay.baselines[index];
  context.beginPath();
  context.moveTo(lay.x(edges[0]), base);
  for (let bin = 0; bin < counts.length; bin++) {
    const centre = lay.x((edges[bin] + edges[bin + 1]) / 2);
    context.lineTo(centre, base - lay.height(counts[bin]));
  }
  context.lineTo(lay.x(edges[edges.length - 1]), base);
}

/** Draw `data` and return its layout (for hit testing). */
export function drawHistograms(
  canvas: HTMLCanvasElement,
  width: number,
  data: Rebinned,
  mode: HistogramMode,
  color: string,
  hover: Hover | null,
  theme: PlotTheme,
): Layout {
  const context = prepareCanvas(canvas, width, PLOT_HEIGHT);
  const lay = layout(data, width, mode);
  const { frame } = lay;
  const { edges, steps } = data;
  const valueTicks = niceTicks(edges[0], edges[edges.length - 1], Math.max(3, frame.width / 55));
  drawXAxis(context, frame, valueTicks, lay.x, formatValue, theme);
  if (mode === 'overlay' || steps.length < 2) {
    const y = (count: number) => frame.top + frame.height - lay.height(count);
    const top = data.maxCount / 0.95;
    drawYAxis(context, frame, niceTicks(0, top, 4), y, formatValue, theme, 'left');
    if (mode === 'overlay') drawAxisTitle(context, frame, 'count', 'left', theme);
  }
  if (mode === 'offset' && steps.length >= 2) {
    const ticks = niceTicks(steps[0].step, steps[steps.length - 1].step, 5);
    const stepY = linearScale(
      steps[0].step,
      steps[steps.length - 1].step,
      lay.baselines[0],
      lay.baselines[steps.length - 1],
    );
    drawYAxis(context, frame, ticks, stepY, formatStep, theme, 'right', false);
  }

  context.save();
  context.beginPath();
  context.rect(frame.left - 2, 0, frame.width + 4, frame.top + frame.height + 1);
  context.clip();
  if (hover) {
    // The hovered bin, shaded across the whole chart.
    context.fillStyle = theme.grid;
    context.globalAlpha = 0.45;
    const x0 = lay.x(edges[hover.bin]);
    context.fillRect(x0, frame.top, lay.x(edges[hover.bin + 1]) - x0, frame.height);
    context.globalAlpha = 1;
  }
  context.lineJoin = 'round';
  for (let index = 0; index < steps.length; index++) {
    outline(context, data, lay, index);
    if (mode === 'offset') {
      context.globalAlpha = 0.92;
      context.fillStyle = theme.surface;
      context.fill();
    }
    context.globalAlpha = recency(index, steps.length);
    context.strokeStyle = color;
    context.lineWidth = mode === 'offset' ? 1.2 : 1.4;
    context.stroke();
    context.globalAlpha = 1;
  }
  if (hover) {
    outline(context, data, lay, hover.stepIndex);
    context.strokeStyle = theme.text;
    context.lineWidth = 2.2;
    context.stroke();
    const counts = steps[hover.stepIndex].counts;
    const cx = lay.x((edges[hover.bin] + edges[hover.bin + 1]) / 2);
    const cy = lay.baselines[hover.stepIndex] - lay.height(counts[hover.bin]);
    context.fillStyle = theme.text;
    context.beginPath();
    context.arc(cx, cy, 3.5, 0, 2 * Math.PI);
    context.fill();
  }
  context.restore();
  return lay;
}

/** The step and bin under the point (px, py) of the canvas, or null outside the plot. */
export function hitTest(
  data: Rebinned,
  lay: Layout,
  mode: HistogramMode,
  px: number,
  py: number,
): Hover | null {
  const { frame } = lay;
  if (px < frame.left || px > frame.left + frame.width || data.steps.length === 0) return null;
  const bins = data.edges.length - 1;
  const bin = Math.min(bins - 1, Math.max(0, Math.floor(((px - frame.left) / frame.width) * bins)));
  const tops = data.steps.map(
    (step, index) => lay.baselines[index] - lay.height(step.counts[bin]),
  );
  if (mode === 'offset') {
    // The front-most (newest) outline whose filled area holds the point wins, as it is the
    // one drawn on top; otherwise the step whose baseline is nearest.
    for (let index = data.steps.length - 1; index >= 0; index--) {
      if (py >= tops[index] - 3 && py <= lay.baselines[index]) return { stepIndex: index, bin };
    }
  }
  const target = mode === 'offset' ? lay.baselines : tops;
  let best = 0;
  for (let index = 1; index < target.length; index++) {
    if (Math.abs(target[index] - py) <= Math.abs(target[best] - py)) best = index;
  }
  return { stepIndex: best, bin };
}
