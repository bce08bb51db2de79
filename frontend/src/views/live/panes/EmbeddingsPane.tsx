// Embeddings panes: the 2-D layout of the points, one colour per group, labels on hover.
// Hovering a point asks the Python client for its preview (EntitySelected); a lasso selection
// asks it to lay out only the selected points (RegionSelected); "Back" returns to the previous
// point set. These are Visdom's events, so Visdom's own embeddings helper answers them.
// Windows that carry their original vectors (torchscope.Visdom) link to the Projector view.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { viewHref } from '../../../route';
import { paneLayout, themeColors } from '../figure';
import { useDocumentTheme, useResize } from '../hooks';
import type { PlotlyDiv, PlotlyStatic } from '../plotly-types';
import { loadPlotly } from '../plotlyLoader';
import { sanitizeHtmlString } from '../sanitize';
import type { EmbeddingPoint, EmbeddingsContent, PaneEvent } from '../types';

/** Above this many points the WebGL scatter draws faster than SVG. */
const WEBGL_POINTS = 5000;

interface Props {
  content: EmbeddingsContent;
  rev: number;
  onEvent: (event: PaneEvent) => void;
  onBack: () => void;
  /** The projector run of this window, linked to when the window carries its vectors. */
  projectorRun?: string;
}

function traces(points: EmbeddingPoint[]): Array<Record<string, unknown>> {
  const groups = new Map<number, EmbeddingPoint[]>();
  for (const point of points) {
    const list = groups.get(point.group) ?? [];
    list.push(point);
    groups.set(point.group, list);
  }
  const type = points.length > WEBGL_POINTS ? 'scattergl' : 'scatter';
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([group, members]) => ({
      type,
      mode: 'markers',
      name: String(members[0]?.label ?? group),
      x: members.map((p) => p.position[0]),
      y: members.map((p) => p.position[1]),
      customdata: members.map((p) => p.idx),
      text: members.map((p) => `${p.name} · ${String(p.label)}`),
      hoverinfo: 'text',
      marker: { size: 7, opacity: 0.85 },
    }));
}

export function EmbeddingsPane({ content, rev, onEvent, onBack, projectorRun }: Props) {
  const plotRef = useRef<PlotlyDiv>(null);
  const plotly = useRef<PlotlyStatic | null>(null);
  const theme = useDocumentTheme();
  const lastHovered = useRef<number | null>(null);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const points = content.data ?? [];
  const [holder, setHolder] = useState<HTMLElement | null>(null);

  useEffect(() => {
    const gd = plotRef.current;
    if (!gd || content.isLoading) return;
    let current = true;
    const data = traces(points);
    void loadPlotly(data.map((t) => String(t.type))).then(async (Plotly) => {
      if (!current) return;
      plotly.current = Plotly;
      const layout = paneLayout(
        {
          dragmode: 'lasso',
          showlegend: true,
          hovermode: 'closest',
          margin: { l: 30, r: 10, t: 10, b: 30 },
        },
        themeColors(),
        rev,
        false,
      );
      await Plotly.react(gd, data, layout, {
        displaylogo: false,
        modeBarButtonsToRemove: ['sendDataToCloud'],
      });
      if (!current) return;
      gd.removeAllListeners?.('plotly_hover');
      gd.removeAllListeners?.('plotly_selected');
      gd.on?.('plotly_hover', (event) => {
        const point = event.points?.[0];
        const idx = point?.customdata;
        if (typeof idx !== 'number' || idx === lastHovered.current) return;
        lastHovered.current = idx;
        const entity = points.find((p) => p.idx === idx);
        onEventRef.current({
          event_type: 'EntitySelected',
          entityId: entity?.name ?? String(idx),
          idx,
          pane_data: false,
        });
      });
      gd.on?.('plotly_selected', (event) => {
        const selected = (event?.points ?? [])
          .map((p) => p.customdata)
          .filter((v): v is number => typeof v === 'number');
        if (selected.length > 0)
          onEventRef.current({
            event_type: 'RegionSelected',
            selectedIdxs: selected,
            pane_data: false,
          });
      });
      gd.dataset.ready = '1';
    });
    return () => {
      current = false;
    };
  }, [rev, theme, content.isLoading]);

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

  const selected = content.selected as { html?: string; entityId?: string } | null | undefined;
  if (content.isLoading) return <p class="live-note">Computing the layout of the points…</p>;
  return (
    <div class="live-embeddings">
      <div class="live-plot-holder" ref={setHolder}>
        <div class="live-plot" ref={plotRef} />
      </div>
      <div class="live-embeddings-bar">
        {content.has_previous && (
          <button type="button" class="button button-small" onClick={onBack}>
            Back
          </button>
        )}
        <span class="live-note">
          {points.length.toLocaleString()} points · lasso to zoom in on a region
        </span>
        {projectorRun && content.torchscope_vectors && (
          <a
            class="live-embeddings-projector"
            href={`${viewHref('projector')}?run=${encodeURIComponent(projectorRun)}`}
          >
            Open in Projector
          </a>
        )}
      </div>
      {selected?.html && (
        <div
          class="live-embeddings-preview"
          dangerouslySetInnerHTML={{ __html: sanitizeHtmlString(selected.html) }}
        />
      )}
    </div>
  );
}
