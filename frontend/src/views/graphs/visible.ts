// What is drawn for a given set of open modules: collapsed modules become single nodes, open
// ones boxes around their contents, and edges are lifted to whatever stands for their ends.
import { edgeLabel } from './format';
import type { GraphIndex } from './hierarchy';
import type { GraphEdge } from './schema';

export type ItemKind = 'op' | 'input' | 'output' | 'module';

export interface VisibleNode {
  id: string;
  /** `module` for a collapsed module. */
  kind: ItemKind;
  label: string;
  sublabel: string;
  /** The open module box holding it, or null at the top level. */
  box: string | null;
}

export interface VisibleBox {
  id: string;
  label: string;
  sublabel: string;
  box: string | null;
}

export interface VisibleEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  /** The graph's edges this one stands for. */
  edges: GraphEdge[];
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  boxes: VisibleBox[];
  edges: VisibleEdge[];
  /** Graph node id -> id of the drawn node standing for it (itself, or a collapsed module). */
  standIn: Map<string, string>;
}

export function visibleGraph(index: GraphIndex, open: ReadonlySet<string>): VisibleGraph {
  const standIn = new Map<string, string>();
  const nodes: VisibleNode[] = [];
  const boxes = new Map<string, VisibleBox>();
  const placed = new Set<string>();

  // The innermost drawn box among `chain` (outermost first): transparent modules have none.
  const boxOf = (chain: string[]): string | null => {
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!index.transparent.has(chain[i])) return chain[i];
    }
    return null;
  };
  const addBoxes = (chain: string[]): void => {
    for (let i = 0; i < chain.length; i++) {
      const id = chain[i];
      if (boxes.has(id) || index.transparent.has(id)) continue;
      const module = index.node(id);
      boxes.set(id, {
        id,
        label: module.name,
        sublabel: module.op_type,
        box: boxOf(chain.slice(0, i)),
      });
    }
  };

  for (const node of index.graph.nodes) {
    if (node.kind === 'module') continue;
    const chain = index.chains.get(node.id) ?? [];
    const folded = chain.findIndex((id) => index.isExpandable(id) && !open.has(id));
    if (folded >= 0) {
      const moduleId = chain[folded];
      standIn.set(node.id, moduleId);
      if (placed.has(moduleId)) continue;
      placed.add(moduleId);
      const outer = chain.slice(0, folded);
      addBoxes(outer);
      const module = index.node(moduleId);
      nodes.push({
        id: moduleId,
        kind: 'module',
        label: module.name,
        sublabel: module.op_type,
        box: boxOf(outer),
      });
    } else {
      standIn.set(node.id, node.id);
      addBoxes(chain);
      nodes.push({
        id: node.id,
        kind: node.kind,
        label: node.name,
        sublabel: node.kind === 'op' ? node.op_type : node.kind,
        box: boxOf(chain),
      });
    }
  }

  const lifted = new Map<string, VisibleEdge>();
  for (const edge of index.graph.edges) {
    const source = standIn.get(edge.source);
    const target = standIn.get(edge.target);
    if (!source || !target || source === target) continue;
    const key = `${source}\u0000${target}`;
    const known = lifted.get(key);
    if (known) known.edges.push(edge);
    else lifted.set(key, { id: `e${lifted.size}`, source, target, label: '', edges: [edge] });
  }
  const edges = [...lifted.values()];
  for (const edge of edges) edge.label = edgeLabel(edge.edges.map((e) => e.shape));
  return { nodes, boxes: [...boxes.values()], edges, standIn };
}

/** Modules to open so that every node in `ids` is drawn (not folded into a module). */
export function modulesToReveal(index: GraphIndex, ids: Iterable<string>): string[] {
  const reveal = new Set<string>();
  for (const id of ids) {
    for (const module of index.chains.get(id) ?? []) {
      if (index.isExpandable(module)) reveal.add(module);
    }
  }
  return [...reveal];
}
