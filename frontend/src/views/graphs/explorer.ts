// The state of an explorable graph: which modules are open, what is selected and searched,
// and the latest layout. Shared by the Graphs view and the Live view's model_graph panes.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Drawn, ViewRequest } from './GraphCanvas';
import { GraphIndex } from './hierarchy';
import { layoutGraph } from './layout';
import type { GraphNode, ModelGraph } from './schema';
import type { VisibleGraph } from './visible';
import { modulesToReveal, visibleGraph } from './visible';

export type LayoutState = 'idle' | 'running' | 'done' | 'error';

export interface GraphExplorer {
  index: GraphIndex | null;
  depth: number;
  open: ReadonlySet<string>;
  selected: string | null;
  query: string;
  matchPosition: number;
  matches: GraphNode[];
  highlighted: ReadonlySet<string>;
  visible: VisibleGraph | null;
  drawn: Drawn | null;
  layoutState: LayoutState;
  layouts: number;
  layoutError: string | null;
  viewRequest: { request: ViewRequest; token: number };
  /** Show `graph` collapsed at `depth`; throws (from GraphIndex) when it is not a graph. */
  load: (graph: ModelGraph, depth?: number) => void;
  /** Forget the graph (a new one is being fetched). */
  clear: () => void;
  toggle: (id: string) => void;
  activate: (id: string, kind: 'module' | 'box' | 'item') => void;
  select: (id: string) => void;
  setDepth: (value: number) => void;
  search: (text: string) => void;
  nextMatch: (step: number) => void;
  /** The selected node as drawn: a node inside a collapsed module stands for it. */
  drawnSelection: string | null;
}

export function useGraphExplorer(): GraphExplorer {
  const [index, setIndex] = useState<GraphIndex | null>(null);
  const [depth, setDepthState] = useState(1);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [matchPosition, setMatchPosition] = useState(0);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [layoutState, setLayoutState] = useState<LayoutState>('idle');
  const [layouts, setLayouts] = useState(0);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  const [viewRequest, setViewRequest] = useState<{ request: ViewRequest; token: number }>({
    request: { kind: 'overview' },
    token: 0,
  });
  const layoutGeneration = useRef(0);

  const requestView = (request: ViewRequest): void =>
    setViewRequest((previous) => ({ request, token: previous.token + 1 }));

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
        setLayoutError(
          `The layout failed: ${reason instanceof Error ? reason.message : String(reason)}`,
        );
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

  const load = (graph: ModelGraph, startDepth = 1): void => {
    const built = new GraphIndex(graph);
    const first = Math.min(Math.max(1, startDepth), built.fullDepth);
    setIndex(built);
    setDepthState(first);
    setOpen(built.openAtDepth(first));
    setSelected(null);
    setQuery('');
    setLayoutError(null);
    requestView({ kind: 'overview' });
  };
  const clear = (): void => {
    setIndex(null);
    setDrawn(null);
    setLayoutError(null);
  };
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
  const activate = (id: string, kind: 'module' | 'box' | 'item'): void => {
    setSelected(id);
    if (kind !== 'item') toggle(id);
  };
  const select = (id: string): void => {
    setSelected(id);
    reveal(id);
  };
  const setDepth = (value: number): void => {
    if (!index) return;
    setDepthState(value);
    setOpen(index.openAtDepth(value));
    requestView({ kind: 'overview' });
  };
  const search = (text: string): void => {
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

  const drawnSelection =
    selected === null || !drawn ? selected : (drawn.graph.standIn.get(selected) ?? selected);
  return {
    index,
    depth,
    open,
    selected,
    query,
    matchPosition,
    matches,
    highlighted,
    visible,
    drawn,
    layoutState,
    layouts,
    layoutError,
    viewRequest,
    load,
    clear,
    toggle,
    activate,
    select,
    setDepth,
    search,
    nextMatch,
    drawnSelection,
  };
}

/** What stands for `id` on screen: a see-through layer is drawn as its (first) call. */
function drawnId(index: GraphIndex, id: string): string {
  if (!index.transparent.has(id)) return id;
  return index.graph.nodes.find((node) => node.module === id)?.id ?? id;
}
