// Drawing precision against recall for several runs on one canvas, and finding the point
// nearest to the pointer.
import {
  drawAxisTitle,
  drawXAxis,
  drawYAxis,
  type Frame,
  linearScale,
  type PlotTheme,
  prepareCanvas,
} from '../../lib/canvasPlot';
import { drawableIndices, type PrCurve } from './model';

export const PLOT_HEIGHT = 290;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

export interface DrawnCurve {
  run: string;
  color: string;
  curve: PrCurve;
}

/** A point of a curve: the run's position in the drawn list and the threshold index. */
export interface PrPoint {
  curve: number;
  index: number;
}

export interface PrLayout {
  frame: Frame;
  x: (recall: number) => number;
  y: (precision: number) => number;
}

export function prLayout(width: number): PrLayout {
  const frame: Frame = {
    left: 48,
    top: 10,
    width: Math.max(40, width - 62),
    height: PLOT_HEIGHT - 54,
  };
  return {
    frame,
    // A little room around [0, 1] so the curve's ends are not hidden by the frame.
    x: linearScale(-0.02, 1.02, frame.left, frame.left + frame.width),
    y: linearScale(-0.02, 1.02, frame.top + frame.height, frame.top),
  };
}

export function drawCurves(
  canvas: HTMLCanvasElement,
  width: number,
  curves: DrawnCurve[],
  hover: PrPoint | null,
  theme: PlotTheme,
): PrLayout {
  const context = prepareCanvas(canvas, width, PLOT_HEIGHT);
  const lay = prLayout(width);
  const format = (value: number) => String(value);
  drawXAxis(context, lay.frame, TICKS, lay.x, format, theme);
  drawYAxis(context, lay.frame, TICKS, lay.y, format, theme, 'left');
  drawAxisTitle(context, lay.frame, 'recall', 'bottom', theme);
  drawAxisTitle(context, lay.frame, 'precision', 'left', theme);
  context.lineJoin = 'round';
  curves.forEach(({ color, curve }, position) => {
    const indices = drawableIndices(curve);
    context.beginPath();
    indices.forEach((i, k) => {
      const px = lay.x(curve.recall[i]);
      const py = lay.y(curve.precision[i]);
      if (k === 0) context.moveTo(px, py);
      else context.lineTo(px, py);
    });
    context.strokeStyle = color;
    context.lineWidth = hover?.curve === position ? 2.6 : 1.8;
    context.stroke();
  });
  if (hover) {
    const { curve, color } = curves[hover.curve];
    const px = lay.x(curve.recall[hover.index]);
    const py = lay.y(curve.precision[hover.index]);
    context.beginPath();
    context.arc(px, py, 4.5, 0, 2 * Math.PI);
    context.fillStyle = color;
    context.fill();
    context.strokeStyle = theme.text;
    context.lineWidth = 1.5;
    context.stroke();
  }
  return lay;
}

/** The drawn point nearest to (px, py) within `radius` px, or null. */
export function nearestPoint(
  curves: DrawnCurve[],
  lay: PrLayout,
  px: number,
  py: number,
  radius = 40,
): PrPoint | null {
  let best: PrPoint | null = null;
  let bestDistance = radius * radius;
  curves.forEach(({ curve }, position) => {
    for (const index of drawableIndices(curve)) {
      const dx = lay.x(curve.recall[index]) - px;
      const dy = lay.y(curve.precision[index]) - py;
      const distance = dx * dx + dy * dy;
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = { curve: position, index };
      }
    }
  });
  return best;
}
