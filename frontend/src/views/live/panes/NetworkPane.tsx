// Network panes (`vis.graph`): nodes and edges laid out by a short force simulation, in SVG.
import { useMemo } from 'preact/hooks';
import type { NetworkContent, WindowDoc } from '../types';

interface Props {
  doc: WindowDoc;
}

interface Placed {
  x: number;
  y: number;
}

const SIZE = 1000;
const ITERATIONS = 300;

/** Fruchterman-Reingold layout in a SIZE x SIZE box (deterministic: starts on a circle). */
function layout(count: number, edges: Array<[number, number]>): Placed[] {
  const nodes = Array.from({ length: count }, (_, i) => ({
    x: SIZE / 2 + (SIZE / 3) * Math.cos((2 * Math.PI * i) / Math.max(1, count)),
    y: SIZE / 2 + (SIZE / 3) * Math.sin((2 * Math.PI * i) / Math.max(1, count)),
  }));
  if (count < 2) return nodes;
  const k = Math.sqrt((SIZE * SIZE) / count) * 0.6;
  let temperature = SIZE / 10;
  for (let step = 0; step < ITERATIONS; step++) {
    const dx = new Float64Array(count);
    const dy = new Float64Array(count);
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const x = nodes[a].x - nodes[b].x;
        const y = nodes[a].y - nodes[b].y;
        const dist = Math.max(0.01, Math.hypot(x, y));
        const push = (k * k) / dist;
        dx[a] += (x / dist) * push;
        dy[a] += (y / dist) * push;
        dx[b] -= (x / dist) * push;
        dy[b] -= (y / dist) * push;
      }
    }
    for (const [a, b] of edges) {
      const x = nodes[a].x - nodes[b].x;
      const y = nodes[a].y - nodes[b].y;
      const dist = Math.max(0.01, Math.hypot(x, y));
      const pull = (dist * dist) / k;
      dx[a] -= (x / dist) * pull;
      dy[a] -= (y / dist) * pull;
      dx[b] += (x / dist) * pull;
      dy[b] += (y / dist) * pull;
    }
    for (let i = 0; i < count; i++) {
      const length = Math.max(0.01, Math.hypot(dx[i], dy[i]));
      const move = Math.min(length, temperature);
      nodes[i].x = Math.min(SIZE - 20, Math.max(20, nodes[i].x + (dx[i] / length) * move));
      nodes[i].y = Math.min(SIZE - 20, Math.max(20, nodes[i].y + (dy[i] / length) * move));
    }
    temperature *= 0.98;
  }
  return nodes;
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function NetworkPane({ doc }: Props) {
  const content = (doc.content ?? { nodes: [], edges: [] }) as NetworkContent;
  const nodes = content.nodes ?? [];
  const index = new Map(nodes.map((node, i) => [String(node.name), i]));
  const edges = (content.edges ?? [])
    .map(
      (edge) =>
        [index.get(String(edge.source)), index.get(String(edge.target)), edge.label] as const,
    )
    .filter(
      (edge): edge is readonly [number, number, string | undefined] =>
        edge[0] !== undefined && edge[1] !== undefined,
    );
  const placed = useMemo(
    () =>
      layout(
        nodes.length,
        edges.map(([a, b]) => [a, b] as [number, number]),
      ),
    [doc.contentID],
  );
  const showNodeLabels = doc.showVertexLabels === true;
  const showEdgeLabels = doc.showEdgeLabels === true;
  const markerId = `arrow-${doc.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <svg
      class="live-network"
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      role="img"
      aria-label={`Graph of ${nodes.length} nodes`}
      data-ready="1"
    >
      <defs>
        <marker
          id={markerId}
          viewBox="0 0 10 10"
          refX="22"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" class="live-network-arrow" />
        </marker>
      </defs>
      {edges.map(([a, b, label], i) => (
        <g key={`e${i}`}>
          <line
            x1={placed[a].x}
            y1={placed[a].y}
            x2={placed[b].x}
            y2={placed[b].y}
            class="live-network-edge"
            marker-end={doc.directed ? `url(#${markerId})` : undefined}
          >
            <title>{label ?? `${a}-${b}`}</title>
          </line>
          {showEdgeLabels && label && (
            <text
              x={(placed[a].x + placed[b].x) / 2}
              y={(placed[a].y + placed[b].y) / 2}
              class="live-network-label"
            >
              {label}
            </text>
          )}
        </g>
      ))}
      {nodes.map((node, i) => (
        <g key={`n${i}`}>
          <circle
            cx={placed[i].x}
            cy={placed[i].y}
            r={14}
            fill={PALETTE[(node.club ?? 0) % PALETTE.length]}
          >
            <title>{node.label ?? String(node.name)}</title>
          </circle>
          {showNodeLabels && (
            <text x={placed[i].x} y={placed[i].y - 20} class="live-network-label">
              {node.label ?? String(node.name)}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
