// The module tree of a ModelGraph, indexed once so that expanding, collapsing and searching a
// graph of thousands of nodes never walks the node list again.
import type { GraphEdge, GraphNode, ModelGraph } from './schema';
import { GRAPH_SCHEMA } from './schema';

export class GraphIndex {
  readonly graph: ModelGraph;
  readonly byId = new Map<string, GraphNode>();
  readonly rootId: string;
  /** Module ancestors of every node, outermost first, the root left out. */
  readonly chains = new Map<string, string[]>();
  /** Modules drawn see-through: leaf layers whose only ops are their own calls. */
  readonly transparent = new Set<string>();
  /** Modules holding at least one op, input or output (at any depth). */
  readonly nonEmpty = new Set<string>();
  /** Ops, inputs and outputs under each module (at any depth). */
  readonly opCounts = new Map<string, number>();
  readonly incoming = new Map<string, GraphEdge[]>();
  readonly outgoing = new Map<string, GraphEdge[]>();
  /** The depth that opens every module: the deepest expandable module's depth + 1. */
  readonly fullDepth: number;

  constructor(graph: ModelGraph) {
    if (graph.schema !== GRAPH_SCHEMA) {
      throw new Error(
        `expected a ${GRAPH_SCHEMA} graph, got schema ${JSON.stringify(graph.schema)}`,
      );
    }
    this.graph = graph;
    for (const node of graph.nodes) this.byId.set(node.id, node);
    const root = graph.nodes.find((node) => node.kind === 'module' && node.parent === null);
    if (!root) throw new Error('the graph has no root module');
    this.rootId = root.id;

    const hasChildModule = new Set<string>();
    const foreignOps = new Set<string>(); // modules holding an op that is not their own call
    for (const node of graph.nodes) {
      if (node.parent === null) continue;
      if (node.kind === 'module') hasChildModule.add(node.parent);
      else if (node.module !== node.parent) foreignOps.add(node.parent);
    }
    for (const node of graph.nodes) {
      this.chains.set(node.id, this.chainOf(node));
      if (node.kind === 'module' && node.id !== this.rootId) {
        if (!hasChildModule.has(node.id) && !foreignOps.has(node.id)) this.transparent.add(node.id);
      } else if (node.kind !== 'module') {
        for (const module of this.chains.get(node.id)!) {
          this.nonEmpty.add(module);
          this.opCounts.set(module, (this.opCounts.get(module) ?? 0) + 1);
        }
      }
    }
    let fullDepth = 1;
    for (const id of this.nonEmpty) {
      if (this.isExpandable(id)) fullDepth = Math.max(fullDepth, this.depth(id) + 1);
    }
    this.fullDepth = fullDepth;
    for (const edge of graph.edges) {
      push(this.outgoing, edge.source, edge);
      push(this.incoming, edge.target, edge);
    }
  }

  node(id: string): GraphNode {
    const node = this.byId.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  /** A module that can be drawn collapsed (one box) or open (its contents). */
  isExpandable(id: string): boolean {
    return id !== this.rootId && this.nonEmpty.has(id) && !this.transparent.has(id);
  }

  /** Depth of a module below the root (the root's children are at depth 1). */
  depth(id: string): number {
    return id === this.rootId ? 0 : (this.chains.get(id)?.length ?? 0) + 1;
  }

  /** The modules open when everything shallower than `depth` is open. */
  openAtDepth(depth: number): Set<string> {
    const open = new Set<string>();
    for (const id of this.nonEmpty) {
      if (this.isExpandable(id) && this.depth(id) < depth) open.add(id);
    }
    return open;
  }

  /** Whether `id` lies inside module `module` (at any depth). */
  isInside(id: string, module: string): boolean {
    return module === this.rootId || (this.chains.get(id)?.includes(module) ?? false);
  }

  /** Nodes whose name, module path or id contains `query` (case-insensitive), in graph order. */
  search(query: string, limit = 500): GraphNode[] {
    const needle = query.trim().toLowerCase();
    if (!needle) return [];
    const found: GraphNode[] = [];
    for (const node of this.graph.nodes) {
      if (node.id === this.rootId || (node.kind === 'module' && !this.nonEmpty.has(node.id))) {
        continue;
      }
      const haystacks = [node.name, node.path ?? '', node.id.replace(/^[a-z]+:/, '')];
      if (haystacks.some((text) => text.toLowerCase().includes(needle))) {
        found.push(node);
        if (found.length >= limit) break;
      }
    }
    return found;
  }

  private chainOf(node: GraphNode): string[] {
    // Modules are listed parents first, so a module's own chain is already known.
    const chain: string[] = [];
    let parent = node.parent;
    while (parent !== null && parent !== this.rootId) {
      const known = this.chains.get(parent);
      if (known) return [...known, parent, ...chain];
      chain.unshift(parent);
      parent = this.byId.get(parent)?.parent ?? null;
    }
    return chain;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
