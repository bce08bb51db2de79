// The Graphs view: a model's modules and ops, collapsed to a depth, opened on click, searched
// by name; layout runs in a Web Worker (elkjs), drawing is SVG.
import { useEffect, useState } from 'preact/hooks';
import { getJSON } from '../../api';
import type { ViewProps } from '../types';
import { DetailsPanel } from './DetailsPanel';
import { useGraphExplorer } from './explorer';
import { GraphCanvas } from './GraphCanvas';
import type { GraphEntry, ModelGraph } from './schema';
import './graphs.css';

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
  const [error, setError] = useState<string | null>(null);
  const explorer = useGraphExplorer();
  const { index, depth, selected, query, matchPosition, matches, highlighted, visible } = explorer;
  const { drawn, layoutState, layouts, open } = explorer;

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
    explorer.clear();
    setError(null);
    getJSON<ModelGraph>(graphUrl(plugin, entry), { signal: controller.signal }).then(
      (graph) => {
        try {
          // Start collapsed at the top level: fast for any size, and one click opens more.
          explorer.load(graph, 1);
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
          onChange={(event) => explorer.setDepth(Number(event.currentTarget.value))}
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
          onClick={() => index && explorer.setDepth(index.fullDepth)}
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
            onInput={(event) => explorer.search(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                explorer.nextMatch(event.shiftKey ? -1 : 1);
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
          {error || explorer.layoutError ? (
            <p class="graph-error" role="alert">
              {error ?? explorer.layoutError}
            </p>
          ) : drawn ? (
            <GraphCanvas
              drawn={drawn}
              selected={explorer.drawnSelection}
              highlighted={highlighted}
              viewRequest={explorer.viewRequest}
              onActivate={explorer.activate}
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
            onToggle={explorer.toggle}
            onSelect={explorer.select}
          />
        )}
      </div>
    </section>
  );
}
