// The JSON the server sends: torchscope's ModelGraph (schema "torchscope.graph/1", docs/graphs.md).

export const GRAPH_SCHEMA = 'torchscope.graph/1';

export type NodeKind = 'module' | 'op' | 'input' | 'output';

export interface TensorInfo {
  shape: number[] | null;
  dtype: string | null;
}

export interface ParamCounts {
  own: number;
  total: number;
  trainable: number;
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  name: string;
  parent: string | null;
  op_type: string;
  attributes: Record<string, unknown>;
  outputs: TensorInfo[];
  module: string | null;
  path: string | null;
  params: ParamCounts | null;
  calls: number | null;
}

export interface GraphEdge {
  source: string;
  target: string;
  shape: number[] | null;
  dtype: string | null;
  index: string;
}

export interface ModelGraph {
  schema: string;
  name: string;
  tracer: string;
  fallbacks: Record<string, string>;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** One graph the server can show (`data/plugin/graphs/model_graphs`). */
export interface GraphEntry {
  run: string;
  /** "" for the run's GraphDef, else the graph file's tag. */
  tag: string;
  source: 'graphdef' | 'json';
}
