// One scalar chart: uPlot drawing every run of a tag, with a tooltip listing all runs at the
// cursor, drag-to-zoom reported to the owner, and keyboard control of the cursor and zoom.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { withAlpha } from '../../lib/colors';
import { formatDuration, formatStep, formatValue, formatWallTime } from '../../lib/format';
import { cssVar } from '../../lib/hooks';
import { type ChartRun, nearestIndex, quantile, X_AXIS_LABELS, type XAxisKind } from './model';

export interface ChartSettings {
  xKind: XAxisKind;
  logY: boolean;
  ignoreOutliers: boolean;
  /** Whether smoothing is on: the raw series is then drawn faintly behind the smoothed one. */
  smoothed: boolean;
  theme: string;
  /**
   * Shaded bands between two drawn runs (indices into the runs), e.g. the lower and upper bound
   * of a margin chart. Absent: no bands.
   */
  bands?: ChartBand[];
}

/** A band filled between the lines of runs `upper` and `lower` (indices into the drawn runs). */
export interface ChartBand {
  upper: number;
  lower: number;
  color: string;
}

export type XRange = [number, number];

export interface ChartCallbacks {
  /** The user asked for a zoomed x range (drag, keys), or null to see everything again. */
  onZoom: (range: XRange | null) => void;
  /** The chart has drawn (tests and screenshots wait on this). */
  onDraw: () => void;
}

export const CHART_HEIGHT = 230;
/** Most runs listed in the tooltip; the rest are counted. */
const TOOLTIP_ROWS = 30;

/** Tick spacings of the relative-time axis, in seconds: round minutes, hours and days. */
const DURATION_STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
  1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000, 31536000,
];

/** Drawable values: non-finite points and, on a log scale, non-positive ones become gaps. */
function drawable(values: number[], logY: boolean): Array<number | null> {
  return values.map((value) => (Number.isFinite(value) && (!logY || value > 0) ? value : null));
}

function alignedData(runs: ChartRun[], logY: boolean): uPlot.AlignedData {
  if (runs.length === 0) return [[]];
  const tables: uPlot.AlignedData[] = runs.map((run) => [
    run.x,
    drawable(run.raw, logY),
    drawable(run.smoothed, logY),
  ]);
  // Points missing from a run after alignment are undefined, which uPlot bridges; real gaps
  // (NaN) stay null and break the line.
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

function xFormatter(kind: XAxisKind): (value: number) => string {
  if (kind === 'step') return formatStep;
  if (kind === 'relative') return formatDuration;
  return formatWallTime;
}

export class ScalarChart {
  private plot: uPlot | null = null;
  private structure = '';
  private runs: ChartRun[] = [];
  private settings: ChartSettings | null = null;
  private width = 400;
  private readonly tooltip: HTMLDivElement;

  constructor(
    private readonly container: HTMLElement,
    private readonly callbacks: ChartCallbacks,
  ) {
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'scalar-tooltip';
    this.tooltip.hidden = true;
    this.container.addEventListener('keydown', this.onKey);
    this.container.addEventListener('blur', this.hideCursor);
  }

  /** Draw `runs`; the chart is rebuilt only when its structure (runs, axes, theme) changed. */
  update(runs: ChartRun[], settings: ChartSettings, zoom: XRange | null): void {
    const structure = JSON.stringify([runs.map((run) => [run.run, run.color]), settings]);
    const data = alignedData(runs, settings.logY);
    this.runs = runs;
    this.settings = settings;
    if (!this.plot || structure !== this.structure) {
      this.structure = structure;
      this.build(data, settings);
    } else {
      this.plot.setData(data, zoom === null);
    }
    if (zoom && this.plot) this.plot.setScale('x', { min: zoom[0], max: zoom[1] });
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
  }

  private build(data: uPlot.AlignedData, settings: ChartSettings): void {
    this.plot?.destroy();
    const text = cssVar('--muted') || '#555';
    const grid = cssVar('--border') || '#ddd';
    const font = `12px ${cssVar('--font') || 'sans-serif'}`;
    const series: uPlot.Series[] = [{}];
    // The edges of a band are drawn thin and faded, so the line inside it stands out.
    const edges = new Set(settings.bands?.flatMap((band) => [band.upper, band.lower]) ?? []);
    this.runs.forEach((run, index) => {
      const edge = edges.has(index);
      series.push(
        {
          label: `${run.run} (raw)`,
          stroke: settings.smoothed ? withAlpha(run.color, 0.28) : run.color,
          width: 1,
          show: settings.smoothed,
          points: { show: false },
        },
        {
          label: run.run,
          stroke: edge ? withAlpha(run.color, 0.5) : run.color,
          width: edge ? 1 : 1.6,
          points: { show: false },
        },
      );
    });
    const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
      stroke: text,
      font,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      values,
    });
    const formatX = xFormatter(settings.xKind);
    const options: uPlot.Options = {
      width: this.width,
      height: CHART_HEIGHT,
      legend: { show: false },
      series,
      // Each run is two uPlot series (raw, then the drawn line): the line of run i is 2i + 2.
      bands: settings.bands?.map((band) => ({
        series: [2 * band.upper + 2, 2 * band.lower + 2] as [number, number],
        fill: withAlpha(band.color, 0.16),
      })),
      scales: {
        x: { time: settings.xKind === 'wall' },
        y: { distr: settings.logY ? 3 : 1, log: 10, range: this.yRange },
      },
      axes: [
        settings.xKind === 'wall'
          ? { ...axis(), space: 80 }
          : {
              ...axis((_u, splits) => splits.map((value) => formatX(value))),
              space: 60,
              incrs: settings.xKind === 'relative' ? DURATION_STEPS : undefined,
            },
        axis((_u, splits) => splits.map((value) => (value == null ? '' : formatValue(value)))),
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        bind: { dblclick: () => null },
        points: { size: 6 },
      },
      hooks: {
        setSelect: [this.onSelect],
        setCursor: [this.renderTooltip],
        draw: [() => this.callbacks.onDraw()],
      },
    };
    this.plot = new uPlot(options, data, this.container);
    this.plot.over.addEventListener('dblclick', () => this.callbacks.onZoom(null));
    this.plot.over.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.container.append(this.tooltip);
  }

  /** The y range: the data's, or its 5th to 95th percentile when outliers are ignored. */
  private readonly yRange = (u: uPlot, min: number, max: number): uPlot.Range.MinMax => {
    const settings = this.settings;
    let low = min;
    let high = max;
    if (settings?.ignoreOutliers) {
      const values = this.visibleValues(u);
      if (values.length > 2) {
        const spread = [quantile(values, 0.05), quantile(values, 0.95)];
        low = spread[0];
        high = spread[1];
      }
    }
    if (low == null || high == null || !Number.isFinite(low) || !Number.isFinite(high)) {
      return settings?.logY ? [0.1, 10] : [0, 1];
    }
    if (settings?.logY) return uPlot.rangeLog(Math.max(low, Number.MIN_VALUE), high, 10, false);
    return uPlot.rangeNum(low, high, 0.1, true);
  };

  /** Finite values of the drawn series inside the visible x range, sorted. */
  private visibleValues(u: uPlot): number[] {
    const xs = u.data[0] as number[];
    const xMin = u.scales.x.min ?? -Infinity;
    const xMax = u.scales.x.max ?? Infinity;
    const values: number[] = [];
    for (let s = 1; s < u.data.length; s++) {
      if (!u.series[s]?.show) continue;
      const ys = u.data[s] as Array<number | null | undefined>;
      for (let i = 0; i < xs.length; i++) {
        const value = ys[i];
        if (value != null && xs[i] >= xMin && xs[i] <= xMax) values.push(value);
      }
    }
    return values.sort((a, b) => a - b);
  }

  private readonly onSelect = (u: uPlot): void => {
    const { left, width } = u.select;
    if (width < 4) return;
    const range: XRange = [u.posToVal(left, 'x'), u.posToVal(left + width, 'x')];
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.callbacks.onZoom(range);
  };

  private readonly hideCursor = (): void => {
    this.plot?.setCursor({ left: -10, top: -10 });
    this.tooltip.hidden = true;
  };

  /** Arrow keys move the cursor, + and - zoom around it, Escape or 0 shows everything. */
  private readonly onKey = (event: KeyboardEvent): void => {
    const u = this.plot;
    if (!u) return;
    const width = u.over.clientWidth;
    const hasCursor = u.cursor.left != null && u.cursor.left >= 0;
    const current = hasCursor ? (u.cursor.left as number) : width;
    const move = (left: number) => {
      u.setCursor({ left: Math.min(width, Math.max(0, left)), top: u.over.clientHeight / 2 });
    };
    // Around the cursor, or the middle of the view when the cursor is not on the chart.
    const zoomBy = (factor: number) => {
      const { min, max } = u.scales.x;
      if (min == null || max == null) return;
      const center = hasCursor ? u.posToVal(current, 'x') : (min + max) / 2;
      const half = ((max - min) * factor) / 2;
      this.callbacks.onZoom([center - half, center + half]);
    };
    const big = event.shiftKey ? 10 : 1;
    switch (event.key) {
      case 'ArrowLeft':
        move(current - (width / 100) * big);
        break;
      case 'ArrowRight':
        move(current + (width / 100) * big);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(width);
        break;
      case '+':
      case '=':
        zoomBy(0.5);
        break;
      case '-':
        zoomBy(2);
        break;
      case 'Escape':
      case '0':
        this.callbacks.onZoom(null);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  private readonly renderTooltip = (u: uPlot): void => {
    const left = u.cursor.left;
    const top = u.cursor.top ?? 0;
    const settings = this.settings;
    if (left == null || left < 0 || !settings || this.runs.length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    // The nearest drawn x, so the caption names a real step rather than a pixel's position.
    const xs = u.data[0] as number[];
    const idx = u.cursor.idx;
    const xValue = idx != null && idx < xs.length ? xs[idx] : u.posToVal(left, 'x');
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const title of [
      '',
      'Run',
      settings.smoothed ? 'Smoothed' : 'Value',
      'Value',
      'Step',
      'Time',
    ]) {
      const cell = document.createElement('th');
      cell.textContent = title;
      head.append(cell);
    }
    if (!settings.smoothed) head.deleteCell(3);
    const body = table.createTBody();
    let shown = 0;
    for (const run of this.runs) {
      const index = nearestIndex(run.x, xValue);
      if (index < 0) continue;
      if (shown === TOOLTIP_ROWS) break;
      shown += 1;
      const row = body.insertRow();
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = run.color;
      row.insertCell().append(swatch);
      row.insertCell().textContent = run.run;
      row.insertCell().textContent = formatValue(run.smoothed[index]);
      if (settings.smoothed) row.insertCell().textContent = formatValue(run.raw[index]);
      row.insertCell().textContent = String(run.step[index]);
      row.insertCell().textContent = formatDuration(run.wall[index] - run.startWall);
    }
    const hidden = this.runs.length - shown;
    const caption = table.createCaption();
    caption.textContent = `${X_AXIS_LABELS[settings.xKind]} ${xFormatter(settings.xKind)(xValue)}`;
    this.tooltip.replaceChildren(table);
    if (hidden > 0) {
      const more = document.createElement('p');
      more.textContent = `and ${hidden} more runs`;
      this.tooltip.append(more);
    }
    this.tooltip.hidden = false;
    // Beside the cursor (it may float over the next card), flipped to its left where the
    // window ends.
    const over = u.over;
    const x = over.offsetLeft + left;
    const y = over.offsetTop + top;
    const tipWidth = this.tooltip.offsetWidth;
    const hostLeft = this.container.getBoundingClientRect().left;
    const fitsRight = hostLeft + x + 14 + tipWidth <= document.documentElement.clientWidth - 8;
    const tipLeft = fitsRight ? x + 14 : Math.max(8 - hostLeft, x - tipWidth - 14);
    this.tooltip.style.left = `${tipLeft}px`;
    this.tooltip.style.top = `${Math.max(0, Math.min(y + 10, CHART_HEIGHT - 40))}px`;
  };
}
