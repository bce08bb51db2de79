// Model graph panes: a graph sent with `vis.model_graph(model, inputs)`, explored as in the
// Graphs view (same canvas, details and worker layout) in a compact pane.
import { useEffect, useState } from 'preact/hooks';
import { DetailsPanel } from '../../graphs/DetailsPanel';
import { useGraphExplorer } from '../../graphs/explorer';
import { GraphCanvas } from '../../graphs/GraphCanvas';
import type { ModelGraph } from '../../graphs/schema';
import type { WindowDoc } from '../types';
import '../../graphs/graphs.css';
import './modelGraphPane.css';

interface Props {
  doc: WindowDoc;
}

/** The window's content: a ModelGraph plus the module depth the pane opens at. */
type GraphContent = ModelGraph & { depth?: number };

function isGraph(content: unknown): content is GraphContent {
  const graph = content as GraphContent | null;
  return Boolean(
    graph && typeof graph === 'object' && Array.isArray(graph.nodes) && Array.isArray(graph.edges),
  );
}

export function ModelGraphPane({ doc }: Props) {
  const explorer = useGraphExplorer();
  const [error, setError] = useState<string | null>(null);
  const { index, drawn, query, matches, matchPosition } = explorer;

  // A window sent again under the same id replaces the graph.
  useEffect(() => {
    if (!isGraph(doc.content)) return;
    try {
      const depth = typeof doc.content.depth === 'number' ? doc.content.depth : 1;
      explorer.load(doc.content, depth);
      setError(null);
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    }
  }, [doc.content]);

  if (!isGraph(doc.content)) {
    return <p class="live-note">This pane does not hold a model graph.</p>;
  }
  const problem = error ?? explorer.layoutError;
  const depthOptions = index ? Array.from({ length: index.fullDepth }, (_, i) => i + 1) : [1];
  const selected = explorer.selected;
  return (
    <div
      class="live-model-graph"
      data-ready={explorer.layouts > 0 ? '1' : undefined}
      data-layout={explorer.layoutState}
      data-layouts={explorer.layouts}
    >
      <div class="live-model-graph-bar" role="toolbar" aria-label="Graph controls">
        <label>
          Depth{' '}
          <select
            value={String(explorer.depth)}
            disabled={!index}
            onChange={(event) => explorer.setDepth(Number(event.currentTarget.value))}
          >
            {depthOptions.map((value) => (
              <option key={value} value={String(value)}>
                {value === index?.fullDepth && value > 1 ? `${value} (all open)` : value}
              </option>
            ))}
          </select>
        </label>
        <label class="live-model-graph-search">
          <span class="graph-sr-only">Search nodes by name</span>
          <input
            type="search"
            placeholder="Search…"
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
            {matches.length ? `${matchPosition + 1}/${matches.length}` : 'no match'}
          </span>
        )}
      </div>
      <div class="live-model-graph-stage graph-stage">
        {problem ? (
          <p class="graph-error" role="alert">
            {problem}
          </p>
        ) : drawn ? (
          <GraphCanvas
            drawn={drawn}
            selected={explorer.drawnSelection}
            highlighted={explorer.highlighted}
            viewRequest={explorer.viewRequest}
            onActivate={explorer.activate}
          />
        ) : (
          <p class="live-note" role="status">
            Laying out the graph…
          </p>
        )}
      </div>
      {index && selected !== null && (
        <div class="live-model-graph-details">
          <DetailsPanel
            index={index}
            id={selected}
            isOpen={explorer.open.has(selected)}
            onToggle={explorer.toggle}
            onSelect={explorer.select}
          />
        </div>
      )}
    </div>
  );
}
