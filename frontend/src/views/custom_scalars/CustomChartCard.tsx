// One chart of a custom scalars layout, drawn with the Scalars view's chart: its lines are
// (run, tag) pairs rather than the runs of one tag, and a margin chart shades each value's
// lower-to-upper band. Zooming fetches the full-resolution range, as on a Scalars card.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { isAbort } from '../../lib/http';
import { useInView } from '../../lib/hooks';
import type { ChartBand, XRange } from '../scalars/chart';
import { CHART_HEIGHT } from '../scalars/chart';
import { fetchOverview, fetchStepRange, type RunSeries } from '../scalars/data';
import { chartRuns, clampZoom, stepRangeFor, xExtent } from '../scalars/model';
import { bucketsFor, ChartHost, type ScalarSettings } from '../scalars/ScalarCard';
import type { ChartLine } from './layout';

/** The server plugin that serves every scalar series. */
const SCALARS = 'scalars';

interface Props {
  title: string;
  kind: 'multiline' | 'margin';
  /** The lines in drawing order; labels are unique within the chart. */
  lines: ChartLine[];
  colors: string[];
  /** Shaded bands between lines (indices into `lines`). */
  bands: ChartBand[];
  settings: ScalarSettings;
  theme: string;
  pollTick: number;
  /** Tag patterns of the layout that are not valid regular expressions, with the reason. */
  problems: string[];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Every line's series, one request per tag for all the runs that have it. */
async function fetchLines(
  lines: ChartLine[],
  buckets: number,
  signal: AbortSignal,
): Promise<RunSeries[]> {
  const runsByTag = new Map<string, string[]>();
  for (const line of lines) {
    const runs = runsByTag.get(line.tag) ?? [];
    if (!runs.includes(line.run)) runs.push(line.run);
    runsByTag.set(line.tag, runs);
  }
  const answers = await Promise.all(
    [...runsByTag].map(async ([tag, runs]) => {
      const series = await fetchOverview(SCALARS, tag, runs, buckets, signal);
      return series.map((item) => [`${item.run}\n${tag}`, item] as const);
    }),
  );
  const byKey = new Map(answers.flat());
  return lines.flatMap((line) => {
    const series = byKey.get(`${line.run}\n${line.tag}`);
    return series ? [{ ...series, run: line.label }] : [];
  });
}

let cardCount = 0;

export function CustomChartCard(props: Props) {
  const { title, kind, lines, colors, bands, settings, theme, pollTick, problems } = props;
  const titleId = useMemo(() => `custom-chart-title-${++cardCount}`, []);
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [width, setWidth] = useState(0);
  const [logY, setLogY] = useState(false);
  const [overview, setOverview] = useState<RunSeries[] | null>(null);
  const [zoom, setZoom] = useState<XRange | null>(null);
  const [detail, setDetail] = useState<{ zoom: XRange; series: RunSeries[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const buckets = bucketsFor(width);
  const linesKey = lines.map((line) => `${line.run}\n${line.tag}\n${line.label}`).join('\n\n');
  const byLabel = useMemo(() => new Map(lines.map((line) => [line.label, line])), [linesKey]);
  const colorOf = useMemo(() => {
    const colorByLabel = new Map(lines.map((line, i) => [line.label, colors[i]]));
    return (label: string) => colorByLabel.get(label) ?? '#888';
  }, [linesKey, colors.join()]);
  // TensorBoard draws margin charts unsmoothed: the band is the logged bounds, not an average.
  const shownSettings = useMemo<ScalarSettings>(
    () => (kind === 'margin' ? { ...settings, smoothing: 0 } : settings),
    [kind, settings],
  );

  useEffect(() => setZoom(null), [settings.xKind]);

  useEffect(() => {
    if (!inView) {
      setOverview(null);
      setDetail(null);
      return;
    }
    if (lines.length === 0) {
      setOverview([]);
      return;
    }
    if (width === 0) return;
    const abort = new AbortController();
    fetchLines(lines, buckets, abort.signal).then(
      (series) => {
        setOverview(series);
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(errorText(reason));
      },
    );
    return () => abort.abort();
  }, [inView, linesKey, buckets, width === 0, pollTick]);

  const startWalls = useMemo(
    () => new Map((overview ?? []).map((series) => [series.run, series.wall[0] ?? 0])),
    [overview],
  );
  const overviewRuns = useMemo(
    () => chartRuns(overview ?? [], shownSettings.xKind, 0, colorOf, startWalls),
    [overview, shownSettings.xKind, colorOf, startWalls],
  );
  const overviewRef = useRef(overviewRuns);
  overviewRef.current = overviewRuns;

  const requestZoom = (range: XRange | null) => {
    const next = clampZoom(range, xExtent(overviewRef.current));
    if (next !== undefined) setZoom(next);
  };

  useEffect(() => {
    if (!zoom || !inView) {
      setDetail(null);
      return;
    }
    const abort = new AbortController();
    const requests = overviewRef.current.flatMap((run) => {
      const line = byLabel.get(run.run);
      const steps = stepRangeFor(run, zoom[0], zoom[1]);
      if (!line || !steps) return [];
      return [
        fetchStepRange(SCALARS, line.tag, line.run, steps[0], steps[1], buckets, abort.signal).then(
          (series) => ({ ...series, run: line.label }),
        ),
      ];
    });
    Promise.all(requests).then(
      (series) => setDetail({ zoom, series }),
      (reason: unknown) => {
        if (!isAbort(reason)) setError(errorText(reason));
      },
    );
    return () => abort.abort();
  }, [zoom, inView, linesKey, buckets, pollTick, overview === null]);

  const zoomed = zoom !== null && detail !== null && detail.zoom === zoom;
  const shown = zoomed ? detail.series : overview;
  const drawnRuns = useMemo(
    () =>
      chartRuns(
        shown ?? [],
        shownSettings.xKind,
        shownSettings.smoothing,
        colorOf,
        startWalls,
        zoomed ? overviewRuns : [],
      ),
    [shown, zoomed, overviewRuns, shownSettings, colorOf, startWalls],
  );
  // A band needs both of its lines: indices follow the lines actually fetched.
  const drawnBands = useMemo(() => {
    const index = new Map(drawnRuns.map((run, i) => [run.run, i]));
    return bands.flatMap((band) => {
      const upper = index.get(lines[band.upper]?.label ?? '');
      const lower = index.get(lines[band.lower]?.label ?? '');
      return upper === undefined || lower === undefined ? [] : [{ ...band, upper, lower }];
    });
  }, [drawnRuns, bands, linesKey]);
  const points = (shown ?? []).reduce((sum, series) => sum + series.value.length, 0);

  return (
    <article
      ref={cardRef}
      class="card scalar-card custom-chart"
      aria-labelledby={titleId}
      data-chart={title}
      data-kind={kind}
      data-lines={lines.length}
      data-bands={drawnBands.length}
      data-ready={shown ? '1' : '0'}
      data-zoomed={zoom ? '1' : '0'}
      data-points={points}
    >
      <header class="card-head">
        <h3 class="card-title" id={titleId}>
          {title}
        </h3>
        <span class="card-sub">{kind === 'margin' ? 'margin' : ''}</span>
        <div class="card-tools">
          {zoom && (
            <button type="button" class="button button-small" onClick={() => setZoom(null)}>
              Reset zoom
            </button>
          )}
          <button
            type="button"
            class="button button-small"
            aria-pressed={logY}
            onClick={() => setLogY(!logY)}
          >
            Log scale
          </button>
        </div>
      </header>
      {problems.map((problem) => (
        <p key={problem} class="card-error" role="alert">
          {problem}
        </p>
      ))}
      {lines.length === 0 ? (
        <p class="dash-note custom-empty">No scalar tag of the selected runs matches this chart.</p>
      ) : inView ? (
        <ChartHost
          tag={title}
          runs={drawnRuns}
          settings={shownSettings}
          logY={logY}
          theme={theme}
          zoom={zoom}
          bands={drawnBands.length ? drawnBands : undefined}
          onZoom={requestZoom}
          onWidth={setWidth}
          cardRef={cardRef}
        />
      ) : (
        <div class="chart-placeholder" style={{ height: `${CHART_HEIGHT}px` }} />
      )}
      {error && <p class="card-error">Could not load this chart: {error}</p>}
      <ul class="scalar-legend" aria-label="Lines">
        {lines.map((line, i) =>
          kind === 'margin' && bands.some((band) => band.upper === i || band.lower === i) ? null : (
            <li key={line.label} data-run={line.run} data-tag={line.tag}>
              <span class="swatch" style={{ background: colors[i] }} />
              {line.label}
            </li>
          ),
        )}
      </ul>
    </article>
  );
}
