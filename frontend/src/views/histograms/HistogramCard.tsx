// One run's histograms of one tag: every step rebinned and drawn offset or overlaid, with the
// step and bucket under the pointer (or chosen with the keyboard) described in a tooltip.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { plotTheme } from '../../lib/canvasPlot';
import { formatValue, formatWallTime } from '../../lib/format';
import { query } from '../../lib/http';
import { useInView, useJSONInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';
import { useElementWidth } from '../../lib/size';
import {
  drawHistograms,
  type HistogramMode,
  hitTest,
  type Hover,
  type Layout,
  PLOT_HEIGHT,
} from './draw';
import { type HistogramRow, parseHistograms, rebin } from './rebin';

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  description: string;
  mode: HistogramMode;
  bins: number;
  theme: string;
  pollTick: number;
}

export function HistogramCard(props: Props) {
  const { plugin, run, tag, color, description, mode, bins, theme, pollTick } = props;
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const { data: rows, error } = useJSONInView<HistogramRow[]>(
    `data/plugin/${plugin}/histograms?${query({ run, tag })}`,
    inView,
    pollTick,
  );

  const data = useMemo(() => (rows ? rebin(parseHistograms(rows), bins) : null), [rows, bins]);
  const steps = data?.steps ?? [];
  // What the newest step holds after rebinning (rebinning moves counts, never loses them).
  const newestCount = steps.length
    ? Math.round(steps[steps.length - 1].counts.reduce((sum, value) => sum + value, 0))
    : 0;
  return (
    <article
      ref={cardRef}
      class="card histogram-card"
      data-run={run}
      data-tag={tag}
      data-ready={data ? '1' : '0'}
      data-mode={mode}
      data-steps={steps.length}
      data-bins={data ? data.edges.length - 1 : 0}
      data-newest-count={newestCount}
    >
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
        {data && (
          <span class="card-sub">
            {steps.length} step{steps.length === 1 ? '' : 's'}
            {steps.length > 1 && ` (${steps[0].step}–${steps[steps.length - 1].step})`}
          </span>
        )}
      </header>
      {description && <SanitizedHtml class="card-description" html={description} />}
      {error && <p class="card-error">Could not load the histograms: {error}</p>}
      {inView && data && steps.length > 0 ? (
        <HistogramPlot
          name={`${tag} (${run})`}
          data={data}
          mode={mode}
          color={color}
          theme={theme}
        />
      ) : (
        <div class="plot-placeholder" style={{ height: `${PLOT_HEIGHT}px` }}>
          {data && steps.length === 0 && <p class="card-note">No histogram in this tag yet.</p>}
        </div>
      )}
    </article>
  );
}

interface PlotProps {
  name: string;
  data: ReturnType<typeof rebin>;
  mode: HistogramMode;
  color: string;
  theme: string;
}

function HistogramPlot({ name, data, mode, color, theme }: PlotProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<Layout | null>(null);
  const width = useElementWidth(hostRef);
  const [hover, setHover] = useState<Hover | null>(null);
  const [draws, setDraws] = useState(0);
  const steps = data.steps;
  const bins = data.edges.length - 1;
  // A hovered step that vanished (rebinning, refresh) is forgotten.
  const shownHover = hover && hover.stepIndex < steps.length && hover.bin < bins ? hover : null;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width === 0) return;
    layoutRef.current = drawHistograms(canvas, width, data, mode, color, shownHover, plotTheme());
    setDraws((count) => count + 1);
  }, [data, mode, color, width, theme, shownHover?.stepIndex, shownHover?.bin]);

  const onPointer = (event: PointerEvent) => {
    const lay = layoutRef.current;
    const canvas = canvasRef.current;
    if (!lay || !canvas) return;
    const box = canvas.getBoundingClientRect();
    setHover(hitTest(data, lay, mode, event.clientX - box.left, event.clientY - box.top));
  };

  // Up and down choose an older or newer step, left and right a bucket; Escape lets go.
  const onKey = (event: KeyboardEvent) => {
    // The first key press shows the newest step's middle bucket; later ones move from there.
    const current = shownHover ?? { stepIndex: steps.length - 1, bin: Math.floor(bins / 2) };
    const move = shownHover ? 1 : 0;
    const clamp = (value: number, high: number) => Math.min(high, Math.max(0, value));
    const toStep = (delta: number) => clamp(current.stepIndex + delta * move, steps.length - 1);
    const toBin = (delta: number) => clamp(current.bin + delta * move, bins - 1);
    let next: Hover | null = current;
    switch (event.key) {
      case 'ArrowUp':
        next = { ...current, stepIndex: toStep(-1) };
        break;
      case 'ArrowDown':
        next = { ...current, stepIndex: toStep(1) };
        break;
      case 'ArrowLeft':
        next = { ...current, bin: toBin(-1) };
        break;
      case 'ArrowRight':
        next = { ...current, bin: toBin(1) };
        break;
      case 'Home':
        next = { ...current, stepIndex: 0 };
        break;
      case 'End':
        next = { ...current, stepIndex: steps.length - 1 };
        break;
      case 'Escape':
        next = null;
        break;
      default:
        return;
    }
    event.preventDefault();
    setHover(next);
  };

  const lay = layoutRef.current;
  let tooltip = null;
  let announcement = '';
  if (shownHover && lay) {
    const step = steps[shownHover.stepIndex];
    const low = data.edges[shownHover.bin];
    const high = data.edges[shownHover.bin + 1];
    const count = step.counts[shownHover.bin];
    const px = lay.x((low + high) / 2);
    const py = lay.baselines[shownHover.stepIndex] - lay.height(count);
    const flip = px > width - 190;
    announcement =
      `Step ${step.step}, bucket ${formatValue(low)} to ${formatValue(high)}, ` +
      `count ${formatValue(count)}`;
    tooltip = (
      <div
        class="plot-tooltip histogram-tooltip"
        data-step={step.step}
        data-bin={shownHover.bin}
        style={{
          left: flip ? undefined : `${px + 12}px`,
          right: flip ? `${width - px + 12}px` : undefined,
          top: `${Math.max(0, Math.min(py - 10, PLOT_HEIGHT - 70))}px`,
        }}
      >
        <strong>Step {step.step}</strong>
        <table>
          <tbody>
            <tr>
              <th>bucket</th>
              <td>
                [{formatValue(low)}, {formatValue(high)})
              </td>
            </tr>
            <tr>
              <th>count</th>
              <td>{formatValue(count)}</td>
            </tr>
            <tr>
              <th>time</th>
              <td>{formatWallTime(step.wall)}</td>
            </tr>
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div
      ref={hostRef}
      class="plot-host histogram-plot"
      tabIndex={0}
      role="group"
      aria-label={
        `Histograms of ${name}, ${steps.length} steps, ` +
        `${mode === 'offset' ? 'offset' : 'overlaid'}. ` +
        'Up and down arrows choose a step, left and right a bucket.'
      }
      data-draws={draws}
      data-hover-step={shownHover ? steps[shownHover.stepIndex].step : ''}
      onKeyDown={onKey}
      onBlur={() => setHover(null)}
      style={{ minHeight: `${PLOT_HEIGHT}px` }}
    >
      <canvas
        ref={canvasRef}
        onPointerMove={onPointer}
        onPointerLeave={() => setHover(null)}
      />
      {tooltip}
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <StepLegend data={data} color={color} />
    </div>
  );
}

/** Which colour is which step: faint for the oldest, full for the newest. */
function StepLegend({ data, color }: { data: ReturnType<typeof rebin>; color: string }) {
  const steps = data.steps;
  if (steps.length < 2) return null;
  return (
    <p class="card-note histogram-legend">
      step {steps[0].step}
      <span
        class="histogram-ramp"
        style={{ background: `linear-gradient(to right, ${faint(color)}, ${color})` }}
      />
      {steps[steps.length - 1].step}
    </p>
  );
}

function faint(color: string): string {
  return `color-mix(in srgb, ${color} 30%, transparent)`;
}
