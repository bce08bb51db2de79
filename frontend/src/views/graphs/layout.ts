// Places a VisibleGraph with elkjs's layered algorithm, in a Web Worker: the page keeps
// answering while a graph of thousands of elements is laid out.
import ELK from 'elkjs/lib/elk-api.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { VisibleGraph } from './visible';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  id: string;
  points: { x: number; y: number }[];
  label: { x: number; y: number; width: number; height: number } | null;
}

/** Where everything goes, in absolute coordinates. */
export interface Scene {
  width: number;
  height: number;
  nodes: Map<string, Rect>;
  boxes: Map<string, Rect>;
  edges: Map<string, PlacedEdge>;
}

export const NODE_HEIGHT = 40;
export const BOX_HEADER = 26;
const NODE_PADDING_X = 14;
const LABEL_FONT_PX = 11;
export const NODE_FONT_PX = 12.5;

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  // Keep siblings in execution order, as the code was written.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.spacing.nodeNodeBetweenLayers': '28',
  'elk.spacing.nodeNode': '18',
  'elk.spacing.edgeLabel': '2',
  'elk.edgeLabels.placement': 'CENTER',
};
const BOX_OPTIONS: Record<string, string> = {
  'elk.padding': `[top=${BOX_HEADER + 10},left=10,bottom=10,right=10]`,
};

let measureContext: CanvasRenderingContext2D | null = null;
let fontFamily = '';
const widths = new Map<string, number>();

/** Width of `text` in px at `size`, in the page's font (memoized: labels repeat a lot). */
export function textWidth(text: string, size: number, weight = 400): number {
  const key = `${weight} ${size} ${text}`;
  const known = widths.get(key);
  if (known !== undefined) return known;
  if (!measureContext) {
    measureContext = document.createElement('canvas').getContext('2d');
    fontFamily = getComputedStyle(document.body).fontFamily;
  }
  let width = text.length * size * 0.6;
  if (measureContext) {
    measureContext.font = `${weight} ${size}px ${fontFamily}`;
    width = measureContext.measureText(text).width;
  }
  widths.set(key, width);
  return width;
}

export function toElk(graph: VisibleGraph): ElkNode {
  const root: ElkNode = { id: '__root__', layoutOptions: LAYOUT_OPTIONS, children: [], edges: [] };
  const elkNodes = new Map<string, ElkNode>();
  const containerOf = (box: string | null): ElkNode => (box === null ? root : elkNodes.get(box)!);
  for (const box of graph.boxes) {
    // A box is as wide as its contents; its header drops the class name when that is narrower
    // (ELK's minimum node size is unreliable with nested boxes laid out downwards).
    const node: ElkNode = { id: box.id, layoutOptions: BOX_OPTIONS, children: [] };
    elkNodes.set(box.id, node);
    containerOf(box.box).children!.push(node);
  }
  for (const item of graph.nodes) {
    const width =
      Math.max(textWidth(item.label, NODE_FONT_PX, 600), textWidth(item.sublabel, LABEL_FONT_PX)) +
      2 * NODE_PADDING_X +
      (item.kind === 'module' ? 14 : 0);
    containerOf(item.box).children!.push({
      id: item.id,
      width: Math.ceil(width),
      height: NODE_HEIGHT,
    });
  }
  root.edges = graph.edges.map((edge): ElkExtendedEdge => ({
    id: edge.id,
    sources: [edge.source],
    targets: [edge.target],
    labels: edge.label
      ? [
          {
            text: edge.label,
            width: Math.ceil(textWidth(edge.label, LABEL_FONT_PX)) + 6,
            height: 14,
          },
        ]
      : [],
  }));
  return root;
}

/** Absolute positions from ELK's output (children and edges are relative to their container). */
export function toScene(graph: VisibleGraph, laidOut: ElkNode): Scene {
  const boxIds = new Set(graph.boxes.map((box) => box.id));
  const scene: Scene = {
    width: laidOut.width ?? 0,
    height: laidOut.height ?? 0,
    nodes: new Map(),
    boxes: new Map(),
    edges: new Map(),
  };
  const origin = new Map<string, { x: number; y: number }>([['__root__', { x: 0, y: 0 }]]);
  const visit = (node: ElkNode, dx: number, dy: number): void => {
    for (const child of node.children ?? []) {
      const x = dx + (child.x ?? 0);
      const y = dy + (child.y ?? 0);
      const rect = { x, y, width: child.width ?? 0, height: child.height ?? 0 };
      (boxIds.has(child.id) ? scene.boxes : scene.nodes).set(child.id, rect);
      origin.set(child.id, { x, y });
      visit(child, x, y);
    }
  };
  visit(laidOut, 0, 0);
  const collect = (node: ElkNode): void => {
    for (const edge of node.edges ?? []) {
      const container = (edge as ElkExtendedEdge & { container?: string }).container ?? node.id;
      const { x: dx, y: dy } = origin.get(container) ?? { x: 0, y: 0 };
      const points: { x: number; y: number }[] = [];
      for (const section of edge.sections ?? []) {
        for (const point of [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]) {
          points.push({ x: point.x + dx, y: point.y + dy });
        }
      }
      const label = edge.labels?.[0];
      scene.edges.set(edge.id, {
        id: edge.id,
        points,
        label: label
          ? {
              x: (label.x ?? 0) + dx,
              y: (label.y ?? 0) + dy,
              width: label.width ?? 0,
              height: label.height ?? 0,
            }
          : null,
      });
    }
    for (const child of node.children ?? []) collect(child);
  };
  collect(laidOut);
  return scene;
}

let elk: InstanceType<typeof ELK> | null = null;
let running = 0;

/**
 * Lays out `graph` off the main thread. A call made while another layout is still running
 * stops that one (its promise never settles): only the newest request matters.
 */
export async function layoutGraph(graph: VisibleGraph): Promise<Scene> {
  if (elk && running > 0) {
    elk.terminateWorker();
    elk = null;
    running = 0;
  }
  elk ??= new ELK({ workerUrl });
  const mine = elk;
  running += 1;
  try {
    const laidOut = await mine.layout(toElk(graph));
    return toScene(graph, laidOut);
  } finally {
    if (mine === elk) running -= 1;
  }
}
