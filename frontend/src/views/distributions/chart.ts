// One distribution chart: uPlot drawing the median line of a run's histograms over time, inside
// four nested shaded bands (min..max, 7%..93%, 16%..84%, 31%..69%), with a tooltip of every
// percentile at the cursor and keyboard control of the cursor.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { withAlpha } from '../../lib/colors';
import { formatDuration, formatStep, formatValue, formatWallTime } from '../../lib/format';
import { cssVar } from '../../lib/hooks';
import { BASIS_POINTS, type DistributionColumns, X_AXIS_LABELS, type XAxisKind } from './model';

export const CHART_HEIGHT = 240;
/** Bands as pairs of series (1-based, as uPlot counts them; 0 is x): outermost first. */
const BANDS: Array<[number, number]> = [
  [9, 1],
  [8, 2],
  [7, 3],
  [6, 4],
];
const MEDIAN = 5;

export interface ChartState {
  columns: DistributionColumns;
  xKind: XAxisKind;
  color: string;
  theme: string;
}

function percentLabel(bp: number): string {
  if (bp === 0) return 'min';
  if (bp === 10000) return 'max';
  if (bp === 5000) return 'median';
  return `${Number((bp / 100).toFixed(1))}%`;
}

function xFormatter(kind: XAxisKind): (value: number) => string {
  if (kind === 'step') return formatStep;
  if (kind === 'relative') return formatDuration;
  return formatWallTime;
}

export class DistributionChart {
  private plot: uPlot | null = null;
  private structure = '';
  private state: ChartState | null = null;
  private width = 400;
  private readonly tooltip: HTMLDivElement;
  /** What the tooltip shows, in words, for screen readers. */
  private readonly live: HTMLParagraphElement;

  constructor(
    private readonly container: HTMLElement,
    private readonly onDraw: () => void,
  ) {
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'plot-tooltip distribution-tooltip';
    this.tooltip.hidden = true;
    this.live = document.createElement('p');
    this.live.className = 'visually-hidden';
    this.live.setAttribute('aria-live', 'polite');
    container.addEventListener('keydown', this.onKey);
    container.addEventListener('blur', this.hideCursor);
  }

  update(state: ChartState): void {
    const single = state.columns.x.length === 1;
    const structure = JSON.stringify([state.xKind, state.color, state.theme, single]);
    const data: uPlot.AlignedData = [state.columns.x, ...state.columns.values];
    this.state = state;
    if (!this.plot || structure !== this.structure) {
      this.structure = structure;
      this.build(data, state);
    } else {
      this.plot.setData(data);
    }
  }

  resize(width: number): void {
    this.width = Math.max(120, Math.floor(width));
    this.plot?.setSize({ width: this.width, height: CHART_HEIGHT });
  }

  destroy(): void {
    this.container.removeEventListener('keydown', this.onKey);
    this.container.removeEventListener('blur', this.hideCursor);
    this.plot?.destroy();
    this.plot = null;
    this.tooltip.remove();
    this.live.remove();
  }

  private build(data: uPlot.AlignedData, state: ChartState): void {
    this.plot?.destroy();
    // One step has no extent to shade: its percentiles are drawn as points on a short axis.
    const single = state.columns.x.length === 1;
    const text = cssVar('--muted') || '#555';
    const grid = cssVar('--border') || '#ddd';
    const font = `12px ${cssVar('--font') || 'sans-serif'}`;
    const series: uPlot.Series[] = [{}];
    BASIS_POINTS.forEach((bp, index) => {
      const median = index + 1 === MEDIAN;
      series.push({
        label: percentLabel(bp),
        stroke: median ? state.color : withAlpha(state.color, 0.35),
        width: median ? 1.8 : index === 0 || index === 8 ? 0.6 : 0,
        points: single
          ? { show: true, size: median ? 8 : 5, stroke: state.color, fill: state.color }
          : { show: false },
      });
    });
    const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
      stroke: text,
      font,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      values,
    });
    const formatX = xFormatter(state.xKind);
    const options: uPlot.Options = {
      width: this.width,
      height: CHART_HEIGHT,
      legend: { show: false },
      series,
      // Nested bands, each a little more opaque where they overlap: the middle is darkest.
      bands: BANDS.map(([high, low]) => ({
        series: [high, low],
        fill: withAlpha(state.color, 0.17),
      })),
      scales: {
        x: {
          time: state.xKind === 'wall',
          range: single ? (_u, low, high) => [low - 1, high + 1] : undefined,
        },
      },
      axes: [
        state.xKind === 'wall'
          ? { ...axis(), space: 80 }
          : { ...axis((_u, splits) => splits.map((value) => formatX(value))), space: 60 },
        axis((_u, splits) => splits.map((value) => (value == null ? '' : formatValue(value)))),
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: { setCursor: [this.renderTooltip], draw: [() => this.onDraw()] },
    };
    this.plot = new uPlot(options, data, this.container);
    this.plot.over.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.container.append(this.tooltip, this.live);
  }

  private readonly hideCursor = (): void => {
    this.plot?.setCursor({ left: -10, top: -10 });
    this.tooltip.hidden = true;
  };

  /** Left and right move the cursor a step; Home and End go to the ends. */
  private readonly onKey = (event: KeyboardEvent): void => {
    const u = this.plot;
    const xs = this.state?.columns.x ?? [];
    if (!u || xs.length === 0) return;
    const current = u.cursor.idx ?? null;
    let next: number;
    switch (event.key) {
      case 'ArrowLeft':
        next = current === null ? xs.length - 1 : Math.max(0, current - 1);
        break;
      case 'ArrowRight':
        next = current === null ? xs.length - 1 : Math.min(xs.length - 1, current + 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = xs.length - 1;
        break;
      case 'Escape':
        this.hideCursor();
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    u.setCursor({ left: u.valToPos(xs[next], 'x'), top: u.over.clientHeight / 2 });
  };

  private readonly renderTooltip = (u: uPlot): void => {
    const state = this.state;
    const idx = u.cursor.idx;
    const left = u.cursor.left;
    if (!state || idx == null || left == null || left < 0 || idx >= state.columns.x.length) {
      this.tooltip.hidden = true;
      return;
    }
    const { columns, xKind } = state;
    const title = document.createElement('strong');
    title.textContent = `Step ${columns.step[idx]}`;
    const note = document.createElement('div');
    note.className = 'card-sub';
    note.textContent =
      xKind === 'relative'
        ? `${X_AXIS_LABELS.relative} ${formatDuration(columns.x[idx])}`
        : formatWallTime(columns.wall[idx]);
    const table = document.createElement('table');
    const body = table.createTBody();
    for (let series = BASIS_POINTS.length - 1; series >= 0; series--) {
      const row = body.insertRow();
      const head = document.createElement('th');
      head.textContent = percentLabel(BASIS_POINTS[series]);
      row.append(head);
      const value = columns.values[series][idx];
      row.insertCell().textContent = value == null ? '–' : formatValue(value);
    }
    this.tooltip.replaceChildren(title, note, table);
    const median = columns.values[MEDIAN - 1][idx];
    this.live.textContent =
      `Step ${columns.step[idx]}: median ${median == null ? 'none' : formatValue(median)}, ` +
      `from ${formatValue(columns.values[0][idx] ?? Number.NaN)} ` +
      `to ${formatValue(columns.values[8][idx] ?? Number.NaN)}`;
    this.tooltip.dataset.step = String(columns.step[idx]);
    this.tooltip.hidden = false;
    const x = u.over.offsetLeft + u.valToPos(columns.x[idx], 'x');
    const tipWidth = this.tooltip.offsetWidth;
    const fitsRight = x + 14 + tipWidth <= this.container.clientWidth;
    this.tooltip.style.left = `${fitsRight ? x + 14 : Math.max(0, x - tipWidth - 14)}px`;
    this.tooltip.style.top = `${u.over.offsetTop}px`;
  };
}
