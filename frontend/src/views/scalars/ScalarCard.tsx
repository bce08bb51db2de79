// One tag's card: a lazily drawn chart of every selected run, zoom with full-resolution
// refetch, a note when the series is downsampled, and downloads.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiUrl } from '../../api';
import { safeFileName, saveFile } from '../../lib/download';
import { isAbort } from '../../lib/http';
import { useInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';
import { CHART_HEIGHT, type ChartBand, ScalarChart, type XRange } from './chart';
import {
  csvUrlPath,
  fetchOverview,
  fetchRows,
  fetchRowsMultirun,
  fetchStepRange,
  type RunSeries,
  rowsToCsv,
} from './data';
import { chartRuns, clampZoom, stepRangeFor, type XAxisKind, xExtent } from './model';

export interface ScalarSettings {
  smoothing: number;
  xKind: XAxisKind;
  ignoreOutliers: boolean;
}

interface Props {
  plugin: string;
  tag: string;
  /** The selected runs that have this tag, in run-list order. */
  runs: string[];
  colorOf: (run: string) => string;
  settings: ScalarSettings;
  theme: string;
  /** Goes up when the data should be fetched again (live refresh). */
  pollTick: number;
  description: string;
}

/** Buckets for a chart `width` px wide: the server keeps up to 4 points a bucket, so one a pixel. */
export function bucketsFor(width: number): number {
  return Math.min(2000, Math.max(100, Math.round(width / 100) * 100));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let cardCount = 0;

export function ScalarCard(props: Props) {
  const { plugin, tag, runs, colorOf, settings, theme, pollTick, description } = props;
  const titleId = useMemo(() => `scalar-card-title-${++cardCount}`, []);
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [logY, setLogY] = useState(false);
  const [wide, setWide] = useState(false);
  const [width, setWidth] = useState(0);
  const [overview, setOverview] = useState<RunSeries[] | null>(null);
  const [zoom, setZoom] = useState<XRange | null>(null);
  const [detail, setDetail] = useState<{ zoom: XRange; series: RunSeries[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runsKey = runs.join('\n');
  const buckets = bucketsFor(width);

  // A new x axis means new units: the zoomed range no longer applies.
  useEffect(() => setZoom(null), [settings.xKind]);

  // The overview: every run, downsampled to the chart's width. Dropped when scrolled away, so
  // thousands of cards only hold the data of the few on screen.
  useEffect(() => {
    if (!inView) {
      setOverview(null);
      setDetail(null);
      return;
    }
    if (width === 0) return;
    const abort = new AbortController();
    fetchOverview(plugin, tag, runs, buckets, abort.signal).then(
      (series) => {
        setOverview(series);
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(errorText(reason));
      },
    );
    return () => abort.abort();
    // runsKey stands for runs; pollTick refreshes live data.
  }, [inView, plugin, tag, runsKey, buckets, width === 0, pollTick]);

  const startWalls = useMemo(
    () => new Map((overview ?? []).map((series) => [series.run, series.wall[0] ?? 0])),
    [overview],
  );
  const overviewRuns = useMemo(
    () => chartRuns(overview ?? [], settings.xKind, 0, colorOf, startWalls),
    [overview, settings.xKind, colorOf, startWalls],
  );
  const overviewRunsRef = useRef(overviewRuns);
  overviewRunsRef.current = overviewRuns;

  // Zoom requests are kept inside the data; one that covers all of it is no zoom at all.
  const requestZoom = (range: XRange | null) => {
    const next = clampZoom(range, xExtent(overviewRunsRef.current));
    if (next !== undefined) setZoom(next);
  };

  // A zoomed range: each run's points in it, at full resolution when they fit the buckets.
  useEffect(() => {
    if (!zoom || !inView) {
      setDetail(null);
      return;
    }
    const abort = new AbortController();
    const requests = overviewRunsRef.current.flatMap((run) => {
      const steps = stepRangeFor(run, zoom[0], zoom[1]);
      if (!steps) return [];
      return [fetchStepRange(plugin, tag, run.run, steps[0], steps[1], buckets, abort.signal)];
    });
    Promise.all(requests).then(
      (series) => setDetail({ zoom, series }),
      (reason: unknown) => {
        if (!isAbort(reason)) setError(errorText(reason));
      },
    );
    return () => abort.abort();
  }, [zoom, inView, plugin, tag, runsKey, buckets, pollTick, overview === null]);

  const zoomed = zoom !== null && detail !== null && detail.zoom === zoom;
  const shown = zoomed ? detail.series : overview;
  const drawnRuns = useMemo(
    () =>
      chartRuns(
        shown ?? [],
        settings.xKind,
        settings.smoothing,
        colorOf,
        startWalls,
        zoomed ? overviewRuns : [],
      ),
    [shown, zoomed, overviewRuns, settings.xKind, settings.smoothing, colorOf, startWalls],
  );

  const points = (shown ?? []).reduce((sum, series) => sum + series.value.length, 0);
  const total = (shown ?? []).reduce((sum, series) => sum + series.total, 0);
  const downsampled = (shown ?? []).some((series) => series.downsampled);

  return (
    <article
      ref={cardRef}
      class={`card scalar-card${wide ? ' card-wide' : ''}`}
      aria-labelledby={titleId}
      data-tag={tag}
      data-ready={shown ? '1' : '0'}
      data-zoomed={zoom ? '1' : '0'}
      data-downsampled={downsampled ? '1' : '0'}
      data-points={points}
    >
      <header class="card-head">
        <h3 class="card-title" id={titleId}>
          {tag}
        </h3>
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
          <button
            type="button"
            class="button button-small"
            aria-pressed={wide}
            onClick={() => setWide(!wide)}
          >
            Wide
          </button>
          <DownloadMenu plugin={plugin} tag={tag} runs={runs} />
        </div>
      </header>
      {description && <SanitizedHtml class="card-description" html={description} />}
      {inView ? (
        <ChartHost
          tag={tag}
          runs={drawnRuns}
          settings={settings}
          logY={logY}
          theme={theme}
          zoom={zoom}
          onZoom={requestZoom}
          onWidth={setWidth}
          cardRef={cardRef}
        />
      ) : (
        <div class="chart-placeholder" style={{ height: `${CHART_HEIGHT}px` }} />
      )}
      {error && <p class="card-error">Could not load this chart: {error}</p>}
      <ul class="scalar-legend" aria-label="Runs">
        {runs.map((run) => (
          <li key={run} data-run={run}>
            <span class="swatch" style={{ background: colorOf(run) }} />
            {run}
          </li>
        ))}
      </ul>
      {shown && (downsampled || zoom) && (
        <p class="card-note" role="note">
          {downsampled
            ? `Downsampled: ${points.toLocaleString()} of ${total.toLocaleString()} points ` +
              "(each bucket's first, last, lowest and highest, so no spike is lost). Zoom in " +
              'to see every point.'
            : `Zoomed: every one of the ${total.toLocaleString()} points in range.`}
        </p>
      )}
    </article>
  );
}

export interface ChartHostProps {
  tag: string;
  runs: ReturnType<typeof chartRuns>;
  settings: ScalarSettings;
  logY: boolean;
  theme: string;
  zoom: XRange | null;
  /** Shaded bands between drawn runs (margin charts); none when absent. */
  bands?: ChartBand[];
  onZoom: (range: XRange | null) => void;
  onWidth: (width: number) => void;
  cardRef: { current: HTMLElement | null };
}

/** The element uPlot draws into; lives only while the card is on screen. */
export function ChartHost(props: ChartHostProps) {
  const { tag, runs, settings, logY, theme, zoom, bands, onZoom, onWidth, cardRef } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ScalarChart | null>(null);
  const onZoomRef = useRef(onZoom);
  onZoomRef.current = onZoom;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let draws = 0;
    const chart = new ScalarChart(host, {
      onZoom: (range) => onZoomRef.current(range),
      onDraw: () => {
        draws += 1;
        if (cardRef.current) cardRef.current.dataset.draws = String(draws);
      },
    });
    chartRef.current = chart;
    const sizer = new ResizeObserver(() => {
      chart.resize(host.clientWidth);
      onWidth(host.clientWidth);
    });
    sizer.observe(host);
    chart.resize(host.clientWidth);
    onWidth(host.clientWidth);
    return () => {
      sizer.disconnect();
      chart.destroy();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    chartRef.current?.update(
      runs,
      {
        xKind: settings.xKind,
        logY,
        ignoreOutliers: settings.ignoreOutliers,
        smoothed: settings.smoothing > 0,
        theme,
        ...(bands ? { bands } : {}),
      },
      zoom,
    );
  }, [
    runs,
    settings.xKind,
    settings.ignoreOutliers,
    settings.smoothing > 0,
    logY,
    theme,
    zoom,
    bands,
  ]);

  return (
    <div
      ref={hostRef}
      class="chart-host"
      tabIndex={0}
      role="group"
      aria-label={
        `Chart of ${tag}, ${runs.length} run${runs.length === 1 ? '' : 's'}. Arrow keys move ` +
        'the cursor, plus and minus zoom around it, Escape shows everything.'
      }
      style={{ minHeight: `${CHART_HEIGHT}px` }}
    />
  );
}

/** Download one run or all runs of the tag, as CSV or JSON. */
function DownloadMenu({ plugin, tag, runs }: { plugin: string; tag: string; runs: string[] }) {
  const [error, setError] = useState<string | null>(null);
  // The table is built only while the menu is open: thousands of cards would otherwise each
  // carry a hidden row per run.
  const [open, setOpen] = useState(false);
  const run = (task: () => Promise<void>) => () => {
    setError(null);
    task().catch((reason: unknown) => setError(errorText(reason)));
  };
  const jsonOf = (runName: string) =>
    run(async () => {
      const rows = await fetchRows(plugin, runName, tag);
      saveFile(`${safeFileName(tag, runName)}.json`, JSON.stringify(rows), 'application/json');
    });
  const allAs = (format: 'csv' | 'json') =>
    run(async () => {
      const rows = await fetchRowsMultirun(plugin, tag, runs);
      const name = `${safeFileName(tag, 'all-runs')}.${format}`;
      if (format === 'csv') saveFile(name, rowsToCsv(rows), 'text/csv');
      else saveFile(name, JSON.stringify(rows), 'application/json');
    });
  return (
    <details
      class="download-menu"
      onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}
    >
      <summary class="button button-small">Download</summary>
      {open && (
        <div class="download-list">
          <table>
            <tbody>
              {runs.map((name) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>
                    <a
                      class="button button-small"
                      href={apiUrl(csvUrlPath(plugin, name, tag))}
                      download={`${safeFileName(tag, name)}.csv`}
                      aria-label={`Download ${name} as CSV`}
                    >
                      CSV
                    </a>
                  </td>
                  <td>
                    <button
                      type="button"
                      class="button button-small"
                      aria-label={`Download ${name} as JSON`}
                      onClick={jsonOf(name)}
                    >
                      JSON
                    </button>
                  </td>
                </tr>
              ))}
              {runs.length > 1 && (
                <tr>
                  <th scope="row">All runs</th>
                  {(['csv', 'json'] as const).map((format) => (
                    <td key={format}>
                      <button
                        type="button"
                        class="button button-small"
                        aria-label={`Download all runs as ${format.toUpperCase()}`}
                        onClick={allAs(format)}
                      >
                        {format.toUpperCase()}
                      </button>
                    </td>
                  ))}
                </tr>
              )}
            </tbody>
          </table>
          {error && <p class="card-error">{error}</p>}
        </div>
      )}
    </details>
  );
}
