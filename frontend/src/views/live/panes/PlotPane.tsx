// A Plotly figure. The first draw and every change go through Plotly.react, which updates the
// existing plot: an append to a long line costs a redraw, never a new plot.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { normalizeTrace, paneLayout, themeColors } from '../figure';
import { useDocumentTheme, useNearViewport, useResize } from '../hooks';
import type { PlotlyDiv, PlotlyStatic } from '../plotly-types';
import { isSupportedTraceType, loadPlotly } from '../plotlyLoader';
import type { TraceDoc, WindowDoc } from '../types';
import type { Detail } from '../windows';
import { zoomDetail, zoomedRange } from '../zoom';

const THREE_D = new Set([
  'scatter3d',
  'surface',
  'mesh3d',
  'cone',
  'streamtube',
  'isosurface',
  'volume',
]);

interface Props {
  doc: WindowDoc;
  rev: number;
  /** Show the window in more detail (the points of a zoomed x range), or at display
   * resolution again (null). Called when the user zooms into, or out of, a thinned trace. */
  onDetail?: (detail: Detail | null) => void;
}

interface Figure {
  data?: TraceDoc[];
  layout?: unknown;
}

/** "Showing 4,000 of 1,000,000 points" when the server thinned a trace for display, or the
 * zoomed range's share of them. */
function thinningNote(traces: TraceDoc[]): string | null {
  let shown = 0;
  let total = 0;
  let range: [number, number] | null = null;
  let thinned = false;
  for (const trace of traces) {
    const note = trace.torchscope_downsampled;
    shown += note ? (trace.x?.length ?? note.shown) : (trace.x?.length ?? 0);
    total += note ? note.points : (trace.x?.length ?? 0);
    if (note?.x0 !== undefined && note.x1 !== undefined) range = [note.x0, note.x1];
    if (note && note.x0 === undefined) thinned = true;
  }
  if (!traces.some((trace) => trace.torchscope_downsampled)) return null;
  const counts = `Showing ${shown.toLocaleString()} of ${total.toLocaleString()} points`;
  if (range === null || thinned)
    return `${counts} (min/max per bucket, so spikes stay visible)`;
  const [x0, x1] = range.map((x) => x.toLocaleString(undefined, { maximumFractionDigits: 3 }));
  return `${counts}, zoomed to x = ${x0} … ${x1}`;
}

export function PlotPane({ doc, rev, onDetail }: Props) {
  const plotRef = useRef<PlotlyDiv>(null);
  const theme = useDocumentTheme();
  const [error, setError] = useState<string | null>(null);
  const plotly = useRef<PlotlyStatic | null>(null);
  // Draws are serialized: while one runs, later changes wait and only the newest is drawn.
  const drawing = useRef(false);
  const requested = useRef(0);
  const drawnRequest = useRef(0);
  const latest = useRef({ doc, rev, onDetail });
  latest.current = { doc, rev, onDetail };
  const zoomed = useRef(false);

  const figure = (doc.content ?? {}) as Figure;
  const traces = Array.isArray(figure.data) ? figure.data : [];
  const unsupported = [...new Set(traces.map((t) => t.type ?? 'scatter'))].filter(
    (type) => type !== 'mesh' && !isSupportedTraceType(type),
  );

  // A zoom into a thinned trace asks for more points; zooming back out returns to the
  // display resolution.
  const onRelayout = useCallback((event: Record<string, unknown>) => {
    const { doc: current, onDetail: setDetail } = latest.current;
    if (!setDetail) return;
    const range = zoomedRange(event);
    if (range === 'auto') {
      if (zoomed.current) setDetail(null);
      zoomed.current = false;
    } else if (range !== null) {
      const traces = ((current.content ?? {}) as Figure).data ?? [];
      const detail = zoomDetail(traces, range[0], range[1]);
      if (detail !== null) {
        zoomed.current = true;
        setDetail(detail);
      }
    }
  }, []);

  const draw = useCallback(async () => {
    const gd = plotRef.current;
    if (!gd || drawing.current) return;
    drawing.current = true;
    try {
      while (gd.isConnected && drawnRequest.current !== requested.current) {
        const request = requested.current;
        const current = latest.current;
        const content = (current.doc.content ?? {}) as Figure;
        const data = (Array.isArray(content.data) ? content.data : []).map(normalizeTrace);
        const types = data.map((trace) => String(trace.type ?? 'scatter'));
        // Every chunk registers its trace types on the one plotly.js core.
        const Plotly = await loadPlotly(types);
        plotly.current = Plotly;
        const is3d = types.some((type) => THREE_D.has(type));
        const layout = paneLayout(
          content.layout,
          themeColors(),
          current.rev,
          is3d,
          String(current.doc.title ?? ''),
        );
        await Plotly.react(gd, data, layout, {
          displaylogo: false,
          responsive: false,
          // Plotly's toImage button works offline; its "edit in Chart Studio" link does not.
          modeBarButtonsToRemove: ['sendDataToCloud'],
        });
        drawnRequest.current = request;
        if (!gd.dataset.ready) gd.on?.('plotly_relayout', (event) => onRelayout(event));
        gd.dataset.ready = '1';
        gd.dataset.rev = String(current.rev);
      }
      setError(null);
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    } finally {
      drawing.current = false;
    }
  }, []);

  const [holder, setHolder] = useState<HTMLElement | null>(null);
  const onScreen = useNearViewport(holder);
  useEffect(() => {
    requested.current += 1;
  }, [rev, theme]);
  useEffect(() => {
    if (onScreen) void draw();
  }, [rev, theme, onScreen, draw]);

  useEffect(() => {
    const gd = plotRef.current;
    return () => {
      if (gd && plotly.current) plotly.current.purge(gd);
    };
  }, []);

  const resize = useCallback(() => {
    const gd = plotRef.current;
    if (gd && plotly.current && gd.dataset.ready) void plotly.current.Plots.resize(gd);
  }, []);
  useResize(holder, resize);

  const note = thinningNote(traces);
  return (
    <div class="live-plot-holder" ref={setHolder}>
      <div class="live-plot" ref={plotRef} />
      {note && <p class="live-note">{note}</p>}
      {unsupported.length > 0 && (
        <p class="live-note live-warning">
          Trace type {unsupported.join(', ')} is not in this dashboard's plotly.js bundle: drawn as
          a scatter plot.
        </p>
      )}
      {error && <p class="live-note live-warning">This plot could not be drawn: {error}</p>}
    </div>
  );
}
