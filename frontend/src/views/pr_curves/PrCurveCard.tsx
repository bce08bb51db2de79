// One tag's PR curves: every selected run overlaid in its colour, each at the step its slider
// chooses, with the threshold and counts of the point under the pointer (or chosen with keys).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJSON } from '../../api';
import { plotTheme } from '../../lib/canvasPlot';
import { formatValue, formatWallTime } from '../../lib/format';
import { isAbort } from '../../lib/http';
import { useInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';
import { useElementWidth } from '../../lib/size';
import { StepSlider } from '../../lib/StepSlider';
import {
  type DrawnCurve,
  drawCurves,
  nearestPoint,
  PLOT_HEIGHT,
  type PrLayout,
  type PrPoint,
} from './draw';
import { drawableIndices, type PrCurve, type PrEntryJson, parseCurve } from './model';

interface Props {
  plugin: string;
  tag: string;
  /** The selected runs that have this tag. */
  runs: string[];
  colorOf: (run: string) => string;
  description: string;
  theme: string;
  pollTick: number;
}

function curvesUrl(plugin: string, tag: string, runs: string[]): string {
  const search = new URLSearchParams();
  for (const run of runs) search.append('run', run);
  search.set('tag', tag);
  return `data/plugin/${plugin}/pr_curves?${search.toString()}`;
}

export function PrCurveCard({ plugin, tag, runs, colorOf, description, theme, pollTick }: Props) {
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [byRun, setByRun] = useState<Record<string, PrCurve[]> | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Per run, the chosen step's index; a run missing here follows its newest step.
  const [chosen, setChosen] = useState<Record<string, number>>({});
  const runsKey = runs.join('\n');

  useEffect(() => {
    if (!inView || runs.length === 0) return;
    const abort = new AbortController();
    getJSON<Record<string, PrEntryJson[]>>(curvesUrl(plugin, tag, runs), {
      signal: abort.signal,
    }).then(
      (answer) => {
        const parsed: Record<string, PrCurve[]> = {};
        for (const [run, entries] of Object.entries(answer)) parsed[run] = entries.map(parseCurve);
        setByRun(parsed);
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(reason instanceof Error ? reason.message : String(reason));
      },
    );
    return () => abort.abort();
  }, [inView, plugin, tag, runsKey, pollTick]);

  const shownRuns = runs.filter((run) => (byRun?.[run]?.length ?? 0) > 0);
  const indexOf = (run: string) => {
    const count = byRun?.[run]?.length ?? 0;
    return Math.min(chosen[run] ?? count - 1, count - 1);
  };
  const curves = useMemo<DrawnCurve[]>(
    () =>
      shownRuns.map((run) => ({
        run,
        color: colorOf(run),
        curve: (byRun as Record<string, PrCurve[]>)[run][indexOf(run)],
      })),
    [byRun, shownRuns.join('\n'), colorOf, JSON.stringify(chosen)],
  );

  return (
    <article
      ref={cardRef}
      class="card pr-card"
      data-tag={tag}
      data-ready={byRun ? '1' : '0'}
      data-runs={curves.length}
    >
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
      </header>
      {description && <SanitizedHtml class="card-description" html={description} />}
      {error && <p class="card-error">Could not load the PR curves: {error}</p>}
      {inView && byRun && curves.length > 0 ? (
        <PrPlot tag={tag} curves={curves} theme={theme} />
      ) : (
        <div class="plot-placeholder" style={{ height: `${PLOT_HEIGHT}px` }} />
      )}
      <ul class="pr-runs" aria-label="Runs">
        {shownRuns.map((run) => {
          const entries = (byRun as Record<string, PrCurve[]>)[run];
          const index = indexOf(run);
          const curve = entries[index];
          return (
            <li
              key={run}
              data-run={run}
              data-step={curve.step}
              data-steps={entries.length}
              data-points={drawableIndices(curve).length}
            >
              <div class="pr-run-head">
                <span class="swatch" style={{ background: colorOf(run) }} />
                <span class="pr-run-name">{run}</span>
                <span class="card-sub">
                  step {curve.step} · {formatWallTime(curve.wall)}
                </span>
              </div>
              <StepSlider
                id={`pr-${encodeURIComponent(`${tag}/${run}`)}`}
                label={`Step of ${tag} for run ${run}`}
                steps={entries.map((entry) => entry.step)}
                index={index}
                onChange={(next) => {
                  const rest = { ...chosen };
                  if (next === entries.length - 1) delete rest[run];
                  else rest[run] = next;
                  setChosen(rest);
                }}
              />
            </li>
          );
        })}
      </ul>
    </article>
  );
}

function PrPlot({ tag, curves, theme }: { tag: string; curves: DrawnCurve[]; theme: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<PrLayout | null>(null);
  const width = useElementWidth(hostRef);
  const [hover, setHover] = useState<PrPoint | null>(null);
  const [draws, setDraws] = useState(0);
  const valid =
    hover && hover.curve < curves.length && hover.index < curves[hover.curve].curve.precision.length
      ? hover
      : null;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width === 0) return;
    layoutRef.current = drawCurves(canvas, width, curves, valid, plotTheme());
    setDraws((count) => count + 1);
  }, [curves, width, theme, valid?.curve, valid?.index]);

  const onPointer = (event: PointerEvent) => {
    const lay = layoutRef.current;
    const canvas = canvasRef.current;
    if (!lay || !canvas) return;
    const box = canvas.getBoundingClientRect();
    setHover(nearestPoint(curves, lay, event.clientX - box.left, event.clientY - box.top));
  };

  // Left and right walk along the thresholds of a run's curve; up and down change the run.
  const onKey = (event: KeyboardEvent) => {
    const start = (position: number): PrPoint | null => {
      const indices = drawableIndices(curves[position].curve);
      const middle = indices[Math.floor(indices.length / 2)];
      return indices.length ? { curve: position, index: middle } : null;
    };
    let next: PrPoint | null = valid;
    const along = (delta: number) => {
      if (!valid) return start(0);
      const indices = drawableIndices(curves[valid.curve].curve);
      const at = indices.indexOf(valid.index);
      const to = Math.min(indices.length - 1, Math.max(0, at + delta));
      return { curve: valid.curve, index: indices[to] };
    };
    switch (event.key) {
      case 'ArrowRight':
        next = along(1);
        break;
      case 'ArrowLeft':
        next = along(-1);
        break;
      case 'ArrowDown':
      case 'ArrowUp': {
        const delta = event.key === 'ArrowDown' ? 1 : -1;
        const position = valid ? (valid.curve + delta + curves.length) % curves.length : 0;
        next = start(position);
        break;
      }
      case 'Escape':
        next = null;
        break;
      default:
        return;
    }
    event.preventDefault();
    setHover(next);
  };

  let tooltip = null;
  let announcement = '';
  const lay = layoutRef.current;
  if (valid && lay) {
    const { run, color, curve } = curves[valid.curve];
    const i = valid.index;
    const px = lay.x(curve.recall[i]);
    const py = lay.y(curve.precision[i]);
    const flip = px > width - 200;
    const rows: Array<[string, string]> = [
      ['threshold', formatValue(curve.thresholds[i])],
      ['precision', formatValue(curve.precision[i])],
      ['recall', formatValue(curve.recall[i])],
      ['TP', formatValue(curve.tp[i])],
      ['FP', formatValue(curve.fp[i])],
      ['TN', formatValue(curve.tn[i])],
      ['FN', formatValue(curve.fn[i])],
    ];
    announcement = `${run}, step ${curve.step}, ${rows.map((row) => row.join(' ')).join(', ')}`;
    tooltip = (
      <div
        class="plot-tooltip pr-tooltip"
        data-run={run}
        data-threshold={curve.thresholds[i]}
        style={{
          left: flip ? undefined : `${px + 12}px`,
          right: flip ? `${width - px + 12}px` : undefined,
          top: `${Math.max(0, Math.min(py - 20, PLOT_HEIGHT - 170))}px`,
        }}
      >
        <strong>
          <span class="swatch" style={{ background: color }} /> {run}, step {curve.step}
        </strong>
        <table>
          <tbody>
            {rows.map(([name, value]) => (
              <tr key={name}>
                <th>{name}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div
      ref={hostRef}
      class="plot-host pr-plot"
      tabIndex={0}
      role="group"
      aria-label={
        `Precision against recall of ${tag} for ${curves.length} run` +
        `${curves.length === 1 ? '' : 's'}. Left and right arrows walk along a curve's ` +
        'thresholds, up and down change the run.'
      }
      data-draws={draws}
      onKeyDown={onKey}
      onBlur={() => setHover(null)}
      style={{ minHeight: `${PLOT_HEIGHT}px` }}
    >
      <canvas ref={canvasRef} onPointerMove={onPointer} onPointerLeave={() => setHover(null)} />
      {tooltip}
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}
