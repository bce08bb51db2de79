// The Projector view: an embedding as a three.js point cloud (2-D or 3-D), laid out by PCA,
// t-SNE or UMAP on the server, coloured by a metadata column, searchable, with each point's
// metadata and nearest neighbours (on the original vectors) one click away.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { FilterInput } from '../../lib/FilterInput';
import { formatValue } from '../../lib/format';
import { cssVar, useStoredState, useThemeName } from '../../lib/hooks';
import { isAbort } from '../../lib/http';
import { compileFilter } from '../../lib/regex';
import type { ViewProps } from '../types';
import { PointCloud } from './cloud';
import { colorBy, type Legend } from './coloring';
import {
  type EmbeddingInfo,
  errorMessage,
  fetchInfo,
  fetchMetadata,
  fetchNeighbors,
  fetchRuns,
  fetchTensor,
  type Matrix,
  type Metadata,
  type Method,
  type Neighbors,
} from './data';
import { SidePanel } from './SidePanel';
import { type ProjectionRequest, useProjection } from './useProjection';
import '../../lib/views.css';
import './projector.css';

interface Settings {
  method: Method;
  dims: number;
  components: number[];
  perplexity: number;
  iterations: number;
  neighbors: number;
  metric: 'cosine' | 'euclidean';
}

const DEFAULTS: Settings = {
  method: 'pca',
  dims: 3,
  components: [0, 1, 2],
  perplexity: 30,
  iterations: 500,
  neighbors: 15,
  metric: 'cosine',
};

function sanitizeSettings(stored: unknown): Settings {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<Settings>;
  const number = (x: unknown, fallback: number) =>
    typeof x === 'number' && Number.isFinite(x) ? x : fallback;
  return {
    method: ['pca', 'tsne', 'umap'].includes(value.method as string)
      ? (value.method as Method)
      : DEFAULTS.method,
    dims: value.dims === 2 ? 2 : 3,
    components:
      Array.isArray(value.components) && value.components.length === 3
        ? value.components.map((c) => number(c, 0))
        : DEFAULTS.components,
    perplexity: number(value.perplexity, DEFAULTS.perplexity),
    iterations: number(value.iterations, DEFAULTS.iterations),
    neighbors: number(value.neighbors, DEFAULTS.neighbors),
    metric: value.metric === 'euclidean' ? 'euclidean' : 'cosine',
  };
}

const NEIGHBOR_COUNT = 10;

/** The run named in the URL (`#/projector?run=...`), as the Live view links to it. */
function runFromHash(): string | null {
  const query = window.location.hash.split('?')[1];
  return query ? new URLSearchParams(query).get('run') : null;
}
const METHOD_NAMES: Record<Method, string> = { pca: 'PCA', tsne: 't-SNE', umap: 'UMAP' };

interface Loaded {
  run: string;
  name: string;
  tensor: Matrix;
  metadata: Metadata | null;
  sprite: EmbeddingInfo['sprite'] | null;
}

export default function ProjectorView({ plugin }: ViewProps) {
  const theme = useThemeName();
  const [runs, setRuns] = useState<string[] | null>(null);
  const [run, setRun] = useState<string | null>(runFromHash);
  const [embeddings, setEmbeddings] = useState<EmbeddingInfo[]>([]);
  const [name, setName] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [settings, setSettings] = useStoredState<Settings>(
    'torchscope.projector.settings',
    DEFAULTS,
    sanitizeSettings,
  );
  // t-SNE and UMAP run when asked; PCA as soon as the data is there.
  const [request, setRequest] = useState<ProjectionRequest | null>(null);
  const [colorColumn, setColorColumn] = useState<string>('');
  const [labelColumn, setLabelColumn] = useState<string>('');
  const [searchColumn, setSearchColumn] = useState<string>('');
  const [pattern, setPattern] = useState('');
  const [isolated, setIsolated] = useState<Uint8Array | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [neighbors, setNeighbors] = useState<Neighbors | null>(null);
  const [frames, setFrames] = useState(0);
  const [drawn, setDrawn] = useState(0);
  const sceneRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const cloudRef = useRef<PointCloud | null>(null);
  const [cloudError, setCloudError] = useState<string | null>(null);

  // -- data ------------------------------------------------------------------------------------

  useEffect(() => {
    const abort = new AbortController();
    fetchRuns(plugin, abort.signal).then(
      (answer) => {
        setRuns(answer);
        setRun((current) => (current && answer.includes(current) ? current : (answer[0] ?? null)));
      },
      (reason: unknown) => !isAbort(reason) && setLoadError(errorMessage(reason)),
    );
    return () => abort.abort();
  }, [plugin]);

  useEffect(() => {
    if (!run) return;
    const abort = new AbortController();
    fetchInfo(plugin, run, abort.signal).then(
      (info) => {
        setEmbeddings(info.embeddings);
        setName((current) =>
          info.embeddings.some((e) => e.tensorName === current)
            ? current
            : (info.embeddings[0]?.tensorName ?? null),
        );
      },
      (reason: unknown) => !isAbort(reason) && setLoadError(errorMessage(reason)),
    );
    return () => abort.abort();
  }, [plugin, run]);

  useEffect(() => {
    if (!run || !name) return;
    const info = embeddings.find((e) => e.tensorName === name);
    if (!info) return;
    const abort = new AbortController();
    setLoaded(null);
    setLoadError(null);
    setSelected(null);
    setIsolated(null);
    (async () => {
      const tensor = await fetchTensor(plugin, run, name, abort.signal);
      const metadata = info.metadataPath
        ? await fetchMetadata(plugin, run, name, tensor.rows, abort.signal)
        : null;
      setLoaded({ run, name, tensor, metadata, sprite: info.sprite ?? null });
      const columns = metadata?.columns ?? [];
      const keep = (current: string) => (columns.includes(current) ? current : (columns[0] ?? ''));
      setColorColumn(keep);
      setLabelColumn(keep);
      setSearchColumn(keep);
    })().catch((reason: unknown) => !isAbort(reason) && setLoadError(errorMessage(reason)));
    return () => abort.abort();
  }, [plugin, run, name, embeddings]);

  // PCA follows the data at once; the other methods wait for "Run".
  useEffect(() => {
    if (!loaded) return;
    if (settings.method === 'pca' || request?.name !== loaded.name) {
      setRequest({
        run: loaded.run,
        name: loaded.name,
        method: 'pca',
        dims: 3,
        params: {},
        attempt: 0,
      });
    }
  }, [loaded, settings.method === 'pca']);

  const projection = useProjection(plugin, request);
  const running = projection.job && ['queued', 'pending', 'running'].includes(projection.job.status);
  const variance = projection.job?.explained_variance_ratio ?? null;

  const runNonLinear = () => {
    if (!loaded || settings.method === 'pca') return;
    const params: Record<string, number> =
      settings.method === 'tsne'
        ? { perplexity: settings.perplexity, iterations: settings.iterations }
        : { n_neighbors: settings.neighbors };
    setRequest({
      run: loaded.run,
      name: loaded.name,
      method: settings.method,
      dims: settings.dims,
      params,
      attempt: (request?.attempt ?? 0) + 1,
    });
  };

  // -- the cloud -------------------------------------------------------------------------------

  useEffect(() => {
    const container = sceneRef.current;
    if (!container) return;
    try {
      cloudRef.current = new PointCloud(container, {
        hover: setHovered,
        pick: setSelected,
        frame: setFrames,
      });
    } catch (reason) {
      setCloudError(`WebGL is not available: ${errorMessage(reason)}`);
    }
    // A hook for tools and tests: where a point is drawn, and one frame of rotation.
    const host = viewRef.current as (HTMLElement & Record<string, unknown>) | null;
    if (host) {
      host.projectorScreenPosition = (index: number) => cloudRef.current?.screenPosition(index);
      host.projectorRotate = (radians: number) => cloudRef.current?.rotate(radians);
    }
    return () => {
      cloudRef.current?.dispose();
      cloudRef.current = null;
    };
  }, []);

  // The layout, with PCA's chosen components.
  const layout = projection.layout;
  const layoutMethod = projection.layoutMethod;
  const pcaColumns = layout && layoutMethod === 'pca' ? layout.cols : 0;
  const components = settings.components.map((c) => Math.min(c, Math.max(0, pcaColumns - 1)));
  const layoutDims = layoutMethod === 'pca' ? Math.min(settings.dims, pcaColumns) : layout?.cols;
  const previousLayout = useRef<Matrix | null>(null);
  useEffect(() => {
    const cloud = cloudRef.current;
    if (!cloud || !layout || !loaded || layout.rows !== loaded.tensor.rows) return;
    let values = layout.values;
    let cols = layout.cols;
    if (layoutMethod === 'pca') {
      const picked = components.slice(0, layoutDims ?? 2);
      values = new Float32Array(layout.rows * picked.length);
      for (let i = 0; i < layout.rows; i++) {
        for (let d = 0; d < picked.length; d++) {
          values[i * picked.length + d] = layout.values[i * layout.cols + picked[d]];
        }
      }
      cols = picked.length;
    }
    // A converging layout keeps the camera; a new method or embedding frames it again.
    const reframe = previousLayout.current === null || previousLayout.current.rows !== layout.rows;
    previousLayout.current = layout;
    cloud.setLayout(values, cols, cols >= 3 ? 3 : 2, reframe);
    setDrawn(layout.rows);
  }, [layout, layoutMethod, layoutDims, components.join(',')]);

  const coloring = useMemo(() => {
    if (!loaded) return null;
    const column = loaded.metadata?.columns.indexOf(colorColumn) ?? -1;
    const values = column >= 0 ? (loaded.metadata?.values[column] ?? null) : null;
    return colorBy(values, loaded.tensor.rows, '#1f77b4');
  }, [loaded, colorColumn]);
  useEffect(() => {
    if (coloring) cloudRef.current?.setColors(coloring.rgb);
  }, [coloring, drawn]);

  useEffect(() => {
    cloudRef.current?.setBackground(cssVar('--surface') || '#ffffff');
  }, [theme]);

  // -- search, selection, neighbours -----------------------------------------------------------

  const filter = useMemo(() => compileFilter(pattern), [pattern]);
  const searchValues = useMemo(() => {
    const column = loaded?.metadata?.columns.indexOf(searchColumn) ?? -1;
    return column >= 0 ? (loaded?.metadata?.values[column] ?? null) : null;
  }, [loaded, searchColumn]);
  const matches = useMemo(() => {
    if (!pattern || filter.error || !searchValues) return null;
    const found: number[] = [];
    searchValues.forEach((value, i) => filter.test(value) && found.push(i));
    return found;
  }, [filter, searchValues, pattern]);

  const isolate = () => {
    if (!matches || !loaded) return;
    const mask = new Uint8Array(loaded.tensor.rows);
    for (const index of matches) mask[index] = 1;
    setIsolated(mask);
  };

  useEffect(() => {
    setNeighbors(null);
    if (selected === null || !loaded) return;
    const abort = new AbortController();
    fetchNeighbors(
      plugin,
      { run: loaded.run, name: loaded.name, index: selected, k: NEIGHBOR_COUNT, metric: settings.metric },
      abort.signal,
    ).then(setNeighbors, (reason: unknown) => !isAbort(reason) && setLoadError(errorMessage(reason)));
    return () => abort.abort();
  }, [selected, loaded, settings.metric]);

  const labelValues = useMemo(() => {
    const column = loaded?.metadata?.columns.indexOf(labelColumn) ?? -1;
    return column >= 0 ? (loaded?.metadata?.values[column] ?? null) : null;
  }, [loaded, labelColumn]);
  useEffect(() => {
    const cloud = cloudRef.current;
    if (!cloud) return;
    const highlightedMatches = !isolated && matches && matches.length <= 50 ? matches : [];
    cloud.setHighlight({
      visible: isolated,
      selected,
      hovered,
      neighbors: [...(neighbors?.indices ?? []), ...highlightedMatches],
    });
    const labels = new Map<number, string>();
    const text = (i: number) => labelValues?.[i] || `#${i}`;
    if (selected !== null) labels.set(selected, text(selected));
    if (hovered !== null) labels.set(hovered, text(hovered));
    for (const index of neighbors?.indices ?? []) labels.set(index, text(index));
    cloud.setLabels(labels);
  }, [isolated, selected, hovered, neighbors, matches, labelValues, drawn]);

  // -- render ----------------------------------------------------------------------------------

  const visibleCount = isolated ? isolated.reduce((sum, v) => sum + v, 0) : drawn;
  const ready = drawn > 0 && frames > 0 && loaded !== null;
  const job = projection.job;
  const columns = loaded?.metadata?.columns ?? [];
  const update = (patch: Partial<Settings>) => setSettings({ ...settings, ...patch });

  if (runs && runs.length === 0) {
    return <p class="projector-empty">No embeddings in this log directory yet.</p>;
  }
  return (
    <div
      class="projector-view dash"
      ref={viewRef}
      data-ready={ready ? '1' : '0'}
      data-points={drawn}
      data-visible={visibleCount}
      data-frames={frames}
      data-method={layoutMethod ?? ''}
      data-job-status={job?.status ?? ''}
      data-selected={selected ?? ''}
      data-matches={matches?.length ?? ''}
    >
      <aside class="dash-side projector-controls" aria-label="Projector settings">
        <label class="setting">
          <span>Run</span>
          <select value={run ?? ''} onChange={(e) => setRun((e.target as HTMLSelectElement).value)}>
            {(runs ?? []).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label class="setting">
          <span>Embedding</span>
          <select
            class="projector-embedding"
            value={name ?? ''}
            onChange={(e) => setName((e.target as HTMLSelectElement).value)}
          >
            {embeddings.map((e) => (
              <option key={e.tensorName} value={e.tensorName}>
                {e.tensorName}
                {e.tensorShape.length ? ` (${e.tensorShape.join(' × ')})` : ''}
              </option>
            ))}
          </select>
        </label>

        <fieldset class="projector-methods">
          <legend>Projection</legend>
          <div class="segmented" role="group" aria-label="Method">
            {(['pca', 'tsne', 'umap'] as Method[]).map((m) => (
              <button
                key={m}
                type="button"
                class={`method-${m}`}
                aria-pressed={settings.method === m}
                onClick={() => update({ method: m })}
              >
                {METHOD_NAMES[m]}
              </button>
            ))}
          </div>
          <div class="segmented" role="group" aria-label="Dimensions">
            {[2, 3].map((d) => (
              <button
                key={d}
                type="button"
                class={`dims-${d}`}
                aria-pressed={settings.dims === d}
                onClick={() => update({ dims: d })}
              >
                {d}-D
              </button>
            ))}
          </div>
          {settings.method === 'pca' && (
            <div class="pca-components">
              {['X', 'Y', 'Z'].slice(0, settings.dims).map((axis, slot) => (
                <label key={axis} class="setting">
                  <span>{axis}</span>
                  <select
                    class={`pca-axis-${axis.toLowerCase()}`}
                    value={components[slot]}
                    onChange={(e) => {
                      const next = [...settings.components];
                      next[slot] = Number((e.target as HTMLSelectElement).value);
                      update({ components: next });
                    }}
                  >
                    {Array.from({ length: pcaColumns }, (_, c) => (
                      <option key={c} value={c}>
                        Component {c + 1}
                        {variance?.[c] !== undefined ? ` (${(variance[c] * 100).toFixed(1)}%)` : ''}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
              {variance && (
                <p class="dash-note">
                  Shown:{' '}
                  {(
                    components
                      .slice(0, settings.dims)
                      .reduce((sum, c) => sum + (variance[c] ?? 0), 0) * 100
                  ).toFixed(1)}
                  % of the variance
                </p>
              )}
            </div>
          )}
          {settings.method === 'tsne' && (
            <>
              <label class="setting">
                <span>Perplexity {settings.perplexity}</span>
                <input
                  class="tsne-perplexity"
                  type="range"
                  min={2}
                  max={100}
                  value={settings.perplexity}
                  onInput={(e) => update({ perplexity: Number((e.target as HTMLInputElement).value) })}
                />
              </label>
              <label class="setting">
                <span>Iterations</span>
                <input
                  class="tsne-iterations"
                  type="number"
                  min={50}
                  max={5000}
                  step={50}
                  value={settings.iterations}
                  onChange={(e) => update({ iterations: Number((e.target as HTMLInputElement).value) })}
                />
              </label>
            </>
          )}
          {settings.method === 'umap' && (
            <label class="setting">
              <span>Neighbours {settings.neighbors}</span>
              <input
                class="umap-neighbors"
                type="range"
                min={2}
                max={100}
                value={settings.neighbors}
                onInput={(e) => update({ neighbors: Number((e.target as HTMLInputElement).value) })}
              />
            </label>
          )}
          {settings.method !== 'pca' && (
            <button type="button" class="projector-run" disabled={!loaded || !!running} onClick={runNonLinear}>
              Run {METHOD_NAMES[settings.method]}
            </button>
          )}
          {job && (running || job.status === 'cancelled') && (
            <div class="projector-progress" data-status={job.status}>
              <progress max={1} value={job.fraction} />
              <span>
                {job.status === 'queued'
                  ? `queued (${(job.queue_position ?? 0) + 1} ahead)`
                  : job.status === 'cancelled'
                    ? 'cancelled'
                    : job.total > 0
                      ? `${job.phase ?? 'running'} ${job.iteration}/${job.total}`
                      : 'starting…'}
              </span>
              {running && (
                <button type="button" class="projector-cancel" onClick={projection.cancel}>
                  Cancel
                </button>
              )}
            </div>
          )}
          {projection.error && (
            <p class="projector-error" role="alert">
              {projection.error}
            </p>
          )}
        </fieldset>

        {columns.length > 0 && (
          <>
            <label class="setting">
              <span>Colour by</span>
              <select
                class="projector-color-by"
                value={colorColumn}
                onChange={(e) => setColorColumn((e.target as HTMLSelectElement).value)}
              >
                <option value="">(none)</option>
                {columns.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
            {coloring && <LegendView legend={coloring.legend} />}
            <label class="setting">
              <span>Label by</span>
              <select value={labelColumn} onChange={(e) => setLabelColumn((e.target as HTMLSelectElement).value)}>
                {columns.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
            <fieldset class="projector-search">
              <legend>Search</legend>
              <select
                aria-label="Search column"
                value={searchColumn}
                onChange={(e) => setSearchColumn((e.target as HTMLSelectElement).value)}
              >
                {columns.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
              <FilterInput
                id="projector-search"
                label="Matching"
                value={pattern}
                filter={filter}
                onInput={setPattern}
              />
              <p class="dash-note projector-match-count">
                {matches ? `${matches.length} of ${drawn} points match` : '\u00a0'}
              </p>
              <div class="button-row">
                <button type="button" class="projector-isolate" disabled={!matches?.length} onClick={isolate}>
                  Isolate matches
                </button>
                <button type="button" class="projector-show-all" disabled={!isolated} onClick={() => setIsolated(null)}>
                  Show all
                </button>
              </div>
            </fieldset>
          </>
        )}
        <label class="setting">
          <span>Neighbours by</span>
          <select
            class="projector-metric"
            value={settings.metric}
            onChange={(e) => update({ metric: (e.target as HTMLSelectElement).value as Settings['metric'] })}
          >
            <option value="cosine">cosine distance</option>
            <option value="euclidean">euclidean distance</option>
          </select>
        </label>
        <button type="button" onClick={() => cloudRef.current?.resetCamera()}>
          Reset camera
        </button>
        <p class="dash-note">
          {settings.dims === 3 ? 'Drag to rotate, right-drag to pan, ' : 'Drag to pan, '}
          scroll to zoom; click a point for its neighbours.
        </p>
      </aside>

      <div class="projector-main">
        <div class="projector-scene" ref={sceneRef}>
          {(loadError || cloudError) && (
            <p class="projector-error" role="alert">
              {loadError ?? cloudError}
            </p>
          )}
          {!ready && !loadError && !cloudError && <p class="projector-loading">Loading…</p>}
          <p class="projector-stats">
            {drawn.toLocaleString()} points{isolated ? `, ${visibleCount.toLocaleString()} shown` : ''}
            {layoutMethod ? ` · ${METHOD_NAMES[layoutMethod]}` : ''}
          </p>
        </div>
        {loaded && (selected !== null || hovered !== null) && (
          <SidePanel
            plugin={plugin}
            loaded={loaded}
            index={selected ?? hovered ?? 0}
            pinned={selected !== null}
            neighbors={selected !== null ? neighbors : null}
            labelValues={labelValues}
            onSelect={setSelected}
            metric={settings.metric}
          />
        )}
      </div>
    </div>
  );
}

function LegendView({ legend }: { legend: Legend }) {
  if (legend.kind === 'none') return null;
  if (legend.kind === 'continuous') {
    return (
      <div class="projector-legend" data-kind="continuous">
        <div class="scale" style={{ background: `linear-gradient(to right, ${legend.stops.join(', ')})` }} />
        <div class="scale-labels">
          <span>{formatValue(legend.min)}</span>
          <span>{formatValue(legend.max)}</span>
        </div>
      </div>
    );
  }
  return (
    <ul class="projector-legend" data-kind="categorical">
      {legend.entries.map((entry) => (
        <li key={entry.value}>
          <span class="swatch" style={{ background: entry.color }} />
          <span class="value">{entry.value || '(empty)'}</span>
          <span class="count">{entry.count}</span>
        </li>
      ))}
    </ul>
  );
}
