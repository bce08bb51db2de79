// The Graphs view: a model's modules and ops, collapsed to a depth, opened on click, searched
// by name; layout runs in a Web Worker (elkjs), drawing is SVG.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJSON } from '../../api';
import type { ViewProps } from '../types';
import { DetailsPanel } from './DetailsPanel';
import { GraphCanvas } from './GraphCanvas';
import type { Drawn, ViewRequest } from './GraphCanvas';
import { GraphIndex } from './hierarchy';
import { layoutGraph } from './layout';
import type { GraphEntry, ModelGraph } from './schema';
import { modulesToReveal, visibleGraph } from './visible';
import './graphs.css';

type LayoutState = 'idle' | 'running' | 'done' | 'error';

function entryKey(entry: GraphEntry): string {
  return `${entry.run}\u0000${entry.tag}`;
}

function entryLabel(entry: GraphEntry): string {
  return entry.source === 'graphdef' ? `${entry.run} (add_graph)` : `${entry.run} / ${entry.tag}`;
}

function graphUrl(plugin: string, entry: GraphEntry): string {
  const query = new URLSearchParams({ run: entry.run });
  if (entry.tag) query.set('tag', entry.tag);
  return `data/plugin/${plugin}/model_graph?${query}`;
}

export default function GraphsView({ plugin }: ViewProps) {
  const [entries, setEntries] = useState<GraphEntry[] | null>(null);
  const [chosen, setChosen] = useState<string>('');
  const [index, setIndex] = useState<GraphIndex | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [depth, setDepth] = useState(1);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [matchPosition, setMatchPosition] = useState(0);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [layoutState, setLayoutState] = useState<LayoutState>('idle');
  const [layouts, setLayouts] = useState(0);
  const [viewRequest, setViewRequest] = useState<{ request: ViewRequest; token: number }>({
    request: { kind: 'overview' },
    token: 0,
  });
  const layoutGeneration = useRef(0);

  const requestView = (request: ViewRequest): void =>
    setViewRequest((previous) => ({ request, token: previous.token + 1 }));

  // The graphs on offer.
  useEffect(() => {
    const controller = new AbortController();
    getJSON<GraphEntry[]>(`data/plugin/${plugin}/model_graphs`, { signal: controller.signal }).then(
      (list) => {
        setEntries(list);
        setChosen((current) => current || (list[0] ? entryKey(list[0]) : ''));
      },
      (reason: unknown) => {
        if (!controller.signal.aborted)
          setError(String(reason instanceof Error ? reason.message : reason));
      },
    );
    return () => controller.abort();
  }, [plugin]);

  // The chosen graph.
  const entry = entries?.find((candidate) => entryKey(candidate) === chosen) ?? null;
  useEffect(() => {
    if (!entry) return;
    const controller = new AbortController();
    setIndex(null);
    setDrawn(null);
    setError(null);
    getJSON<ModelGraph>(graphUrl(plugin, entry), { signal: controller.signal }).then(
      (graph) => {
        try {
          const built = new GraphIndex(graph);
          // Start collapsed at the top level: fast for any size, and one click opens more.
          setIndex(built);
          setDepth(1);
          setOpen(built.openAtDepth(1));
          setSelected(null);
          setQuery('');
          requestView({ kind: 'overview' });
        } catch (reason) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      },
      (reason: unknown) => {
        if (!controller.signal.aborted)
          setError(String(reason instanceof Error ? reason.message : reason));
      },
    );
    return () => controller.abort();
  }, [plugin, chosen, entries]);

  const visible = useMemo(() => (index ? visibleGraph(index, open) : null), [index, open]);

  // Lay out whatever is visible now; an older layout still running is dropped.
  useEffect(() => {
    if (!visible) return;
    const generation = ++layoutGeneration.current;
    setLayoutState('running');
    layoutGraph(visible).then(
      (scene) => {
        if (generation !== layoutGeneration.current) return;
        setDrawn({ graph: visible, scene });
        setLayoutState('done');
        setLayouts((count) => count + 1);
      },
      (reason: unknown) => {
        if (generation !== layoutGeneration.current) return;
        setLayoutState('error');
        setError(`The layout failed: ${reason instanceof Error ? reason.message : String(reason)}`);
      },
    );
  }, [visible]);

  const matches = useMemo(() => (index ? index.search(query) : []), [index, query]);
  const highlighted = useMemo(() => {
    const ids = new Set<string>();
    if (!index) return ids;
    for (const match of matches) {
      if (index.transparent.has(match.id)) {
        // A see-through layer is drawn as its calls.
        for (const node of index.graph.nodes) if (node.module === match.id) ids.add(node.id);
      } else ids.add(match.id);
    }
    return ids;
  }, [index, matches]);

  if (error && !entries) {
    return (
      <section class="panel" data-ready="error">
        <h1>Graphs</h1>
        <p role="alert">{error}</p>
      </section>
    );
  }
  if (entries && entries.length === 0) {
    return (
      <section class="panel" data-ready="empty">
        <h1>Graphs: no graphs yet</h1>
        <p>
          Log one with <code>SummaryWriter.add_graph(model, inputs)</code>, or save a traced graph
          into a run folder with{' '}
          <code>save_model_graph(torchscope.graph.trace(model, inputs), "runs/exp1")</code>.
        </p>
      </section>
    );
  }

  const toggle = (id: string): void => {
    if (!index?.isExpandable(id)) return;
    const next = new Set(open);
    if (next.has(id)) {
      // Closing a module closes what is inside it too, so reopening starts tidy.
      for (const other of open) if (other === id || index.isInside(other, id)) next.delete(other);
    } else next.add(id);
    requestView({ kind: 'anchor', id });
    setOpen(next);
  };
  const reveal = (id: string): void => {
    if (!index) return;
    const needed = modulesToReveal(index, [id]).filter((module) => !open.has(module));
    if (needed.length) setOpen(new Set([...open, ...needed]));
    requestView({ kind: 'center', id: drawnId(index, id) });
  };
  const onActivate = (id: string, kind: 'module' | 'box' | 'item'): void => {
    setSelected(id);
    if (kind !== 'item') toggle(id);
  };
  const onDepth = (value: number): void => {
    if (!index) return;
    setDepth(value);
    setOpen(index.openAtDepth(value));
    requestView({ kind: 'overview' });
  };
  const onSearch = (text: string): void => {
    setQuery(text);
    setMatchPosition(0);
    if (!index) return;
    const found = index.search(text);
    if (!found.length) return;
    const needed = modulesToReveal(
      index,
      found.map((node) => node.id),
    ).filter((module) => !open.has(module));
    if (needed.length) setOpen(new Set([...open, ...needed]));
    const first = drawnId(index, found[0].id);
    setSelected(first);
    requestView({ kind: 'center', id: first });
  };
  const nextMatch = (step: number): void => {
    if (!index || !matches.length) return;
    const position = (matchPosition + step + matches.length) % matches.length;
    const id = drawnId(index, matches[position].id);
    setMatchPosition(position);
    setSelected(id);
    reveal(id);
  };

  const depthOptions = index ? Array.from({ length: index.fullDepth }, (_, i) => i + 1) : [1];
  const drawnNodes = drawn ? drawn.graph.nodes.length + drawn.graph.boxes.length : 0;
  return (
    <section
      class="graphs-view"
      aria-label="Model graphs"
      data-ready={layouts > 0 ? '1' : undefined}
      data-layout={layoutState}
      data-layouts={layouts}
      data-drawn-nodes={drawnNodes}
    >
      <div class="graph-toolbar" role="toolbar" aria-label="Graph controls">
        <label for="graph-picker">Graph</label>
        <select
          id="graph-picker"
          value={chosen}
          onChange={(event) => setChosen(event.currentTarget.value)}
          disabled={!entries}
        >
          {(entries ?? []).map((candidate) => (
            <option key={entryKey(candidate)} value={entryKey(candidate)}>
              {entryLabel(candidate)}
            </option>
          ))}
        </select>
        <label for="graph-depth">Depth</label>
        <select
          id="graph-depth"
          value={String(depth)}
          onChange={(event) => onDepth(Number(event.currentTarget.value))}
          disabled={!index}
        >
          {depthOptions.map((value) => (
            <option key={value} value={String(value)}>
              {value === index?.fullDepth && value > 1 ? `${value} (all open)` : value}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="button"
          disabled={!index}
          onClick={() => index && onDepth(index.fullDepth)}
        >
          Expand all
        </button>
        <label class="graph-search">
          <span class="graph-sr-only">Search nodes by name</span>
          <input
            type="search"
            placeholder="Search by name…"
            value={query}
            disabled={!index}
            onInput={(event) => onSearch(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                nextMatch(event.shiftKey ? -1 : 1);
              }
            }}
          />
        </label>
        {query && (
          <span class="graph-match-count" role="status">
            {matches.length
              ? `${matchPosition + 1} of ${matches.length}${matches.length >= 500 ? '+' : ''} matches`
              : 'no match'}
          </span>
        )}
        <span class="graph-status" role="status">
          {layoutState === 'running' && visible
            ? `Laying out ${visible.nodes.length + visible.boxes.length} nodes…`
            : drawn
              ? `${drawn.graph.nodes.length} nodes, ${drawn.graph.boxes.length} open modules, ${drawn.graph.edges.length} edges`
              : ''}
        </span>
      </div>
      <div class="graph-body">
        <div class="graph-stage">
          {error ? (
            <p class="graph-error" role="alert">
              {error}
            </p>
          ) : drawn ? (
            <GraphCanvas
              drawn={drawn}
              selected={selected === null ? null : (drawn.graph.standIn.get(selected) ?? selected)}
              highlighted={highlighted}
              viewRequest={viewRequest}
              onActivate={onActivate}
            />
          ) : (
            <p class="loading" role="status">
              {index ? 'Laying out the graph…' : 'Loading the graph…'}
            </p>
          )}
        </div>
        {index && (
          <DetailsPanel
            index={index}
            id={selected}
            isOpen={selected !== null && open.has(selected)}
            onToggle={toggle}
            onSelect={(id) => {
              setSelected(id);
              reveal(id);
            }}
          />
        )}
      </div>
    </section>
  );
}

/** What stands for `id` on screen: a see-through layer is drawn as its (first) call. */
function drawnId(index: GraphIndex, id: string): string {
  if (!index.transparent.has(id)) return id;
  return index.graph.nodes.find((node) => node.module === id)?.id ?? id;
}
