// The drawn graph: SVG boxes, nodes and edges, with wheel zoom, drag pan and fit-to-screen.
// Zoom and pan write the viewport's transform directly: moving never re-renders the graph.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { Scene } from './layout';
import { BOX_HEADER, NODE_FONT_PX, NODE_HEIGHT, textWidth } from './layout';
import type { VisibleGraph, VisibleNode } from './visible';

export interface Drawn {
  graph: VisibleGraph;
  scene: Scene;
}

/** How the view should move when a new drawing arrives. */
export type ViewRequest =
  /** Start over: the whole drawing if it stays readable, else its top at a readable zoom. */
  | { kind: 'overview' }
  | { kind: 'fit' }
  /** Keep `id` where it was on screen (the module the user just opened or closed). */
  | { kind: 'anchor'; id: string }
  /** Bring `id` to the middle (a search match). */
  | { kind: 'center'; id: string };

interface Props {
  drawn: Drawn;
  selected: string | null;
  highlighted: ReadonlySet<string>;
  viewRequest: { request: ViewRequest; token: number };
  /** A click or Enter on a node or a box header. */
  onActivate: (id: string, kind: 'module' | 'box' | 'item') => void;
}

interface Transform {
  x: number;
  y: number;
  k: number;
}

const MIN_ZOOM = 0.02;
const MAX_ZOOM = 4;
const FIT_MARGIN = 24;
/** The smallest zoom an overview uses: labels stay legible. */
const READABLE_ZOOM = 0.75;

export function GraphCanvas({ drawn, selected, highlighted, viewRequest, onActivate }: Props) {
  const svgRef = useRef<SVGSVGElement>(null);
  const viewportRef = useRef<SVGGElement>(null);
  const transform = useRef<Transform>({ x: 0, y: 0, k: 1 });
  const lastScene = useRef<Scene | null>(null);
  const drag = useRef<{ x: number; y: number; moved: boolean; id: number } | null>(null);
  const suppressClick = useRef(false);

  const apply = (next: Transform): void => {
    transform.current = next;
    viewportRef.current?.setAttribute(
      'transform',
      `translate(${next.x} ${next.y}) scale(${next.k})`,
    );
    svgRef.current?.setAttribute('data-zoom', next.k.toFixed(3));
  };
  const size = (): { width: number; height: number } => {
    const box = svgRef.current?.getBoundingClientRect();
    return { width: box?.width || 800, height: box?.height || 600 };
  };
  const fit = (scene: Scene, readable = false): void => {
    const { width, height } = size();
    const fitWidth = (width - 2 * FIT_MARGIN) / Math.max(scene.width, 1);
    const fitAll = Math.min(fitWidth, (height - 2 * FIT_MARGIN) / Math.max(scene.height, 1), 1.25);
    const k = clamp(readable ? Math.max(fitAll, Math.min(READABLE_ZOOM, fitWidth)) : fitAll);
    apply({
      k,
      x: (width - scene.width * k) / 2,
      y: Math.max(FIT_MARGIN, (height - scene.height * k) / 2),
    });
  };
  const rectOf = (scene: Scene, id: string) => scene.nodes.get(id) ?? scene.boxes.get(id);
  const zoomAt = (factor: number, cx: number, cy: number): void => {
    const t = transform.current;
    const k = clamp(t.k * factor);
    apply({ k, x: cx - ((cx - t.x) * k) / t.k, y: cy - ((cy - t.y) * k) / t.k });
  };

  // Place the new drawing: fit it, keep the clicked module still, or centre a match.
  useLayoutEffect(() => {
    const scene = drawn.scene;
    const previous = lastScene.current;
    lastScene.current = scene;
    const request = viewRequest.request;
    const t = transform.current;
    if (request.kind === 'anchor' && previous) {
      const before = rectOf(previous, request.id);
      const after = rectOf(scene, request.id);
      if (before && after) {
        apply({ k: t.k, x: t.x + (before.x - after.x) * t.k, y: t.y + (before.y - after.y) * t.k });
        return;
      }
    }
    if (request.kind === 'center') {
      const target = rectOf(scene, request.id);
      if (target) {
        const { width, height } = size();
        const k = Math.max(t.k, 0.8);
        apply({
          k,
          x: width / 2 - (target.x + target.width / 2) * k,
          y: height / 2 - (target.y + target.height / 2) * k,
        });
        return;
      }
    }
    if (request.kind === 'fit') fit(scene);
    else if (request.kind === 'overview' || !previous) fit(scene, true);
  }, [drawn, viewRequest.token]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const box = svg.getBoundingClientRect();
      zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) return;
    drag.current = { x: event.clientX, y: event.clientY, moved: false, id: event.pointerId };
  };
  const onPointerMove = (event: PointerEvent): void => {
    const state = drag.current;
    if (!state || state.id !== event.pointerId) return;
    const dx = event.clientX - state.x;
    const dy = event.clientY - state.y;
    if (!state.moved && Math.hypot(dx, dy) < 4) return;
    if (!state.moved) svgRef.current?.setPointerCapture(event.pointerId);
    state.moved = true;
    state.x = event.clientX;
    state.y = event.clientY;
    const t = transform.current;
    apply({ ...t, x: t.x + dx, y: t.y + dy });
  };
  const onPointerUp = (event: PointerEvent): void => {
    const state = drag.current;
    if (!state || state.id !== event.pointerId) return;
    suppressClick.current = state.moved;
    drag.current = null;
  };
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.target !== svgRef.current) return;
    const t = transform.current;
    const step = 60;
    const { width, height } = size();
    const moves: Record<string, () => void> = {
      ArrowLeft: () => apply({ ...t, x: t.x + step }),
      ArrowRight: () => apply({ ...t, x: t.x - step }),
      ArrowUp: () => apply({ ...t, y: t.y + step }),
      ArrowDown: () => apply({ ...t, y: t.y - step }),
      '+': () => zoomAt(1.25, width / 2, height / 2),
      '=': () => zoomAt(1.25, width / 2, height / 2),
      '-': () => zoomAt(0.8, width / 2, height / 2),
      '0': () => fit(drawn.scene),
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      move();
    }
  };
  const activate = (event: Event, id: string, kind: 'module' | 'box' | 'item'): void => {
    if (suppressClick.current) {
      suppressClick.current = false;
      return;
    }
    event.stopPropagation();
    onActivate(id, kind);
  };
  const onItemKey = (event: KeyboardEvent, id: string, kind: 'module' | 'box' | 'item'): void => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onActivate(id, kind);
    }
  };

  const { graph, scene } = drawn;
  return (
    <div class="graph-canvas-wrap">
      <div class="graph-zoom-controls" role="group" aria-label="Zoom">
        <button
          type="button"
          class="button"
          aria-label="Zoom in"
          onClick={() => zoomAt(1.25, size().width / 2, size().height / 2)}
        >
          +
        </button>
        <button
          type="button"
          class="button"
          aria-label="Zoom out"
          onClick={() => zoomAt(0.8, size().width / 2, size().height / 2)}
        >
          −
        </button>
        <button type="button" class="button" onClick={() => fit(scene)}>
          Fit to screen
        </button>
      </div>
      <svg
        ref={svgRef}
        class="graph-canvas"
        tabindex={0}
        role="group"
        aria-label="Model graph: drag or use the arrow keys to pan, the wheel or + and - to zoom, 0 to fit"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
      >
        <defs>
          <marker
            id="graph-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path class="graph-arrow-head" d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
        </defs>
        <g ref={viewportRef}>
          {graph.boxes.map((box) => {
            const rect = scene.boxes.get(box.id);
            if (!rect) return null;
            const isSelected = selected === box.id;
            return (
              <g
                key={box.id}
                class={`graph-box${isSelected ? ' selected' : ''}${highlighted.has(box.id) ? ' match' : ''}`}
                data-id={box.id}
              >
                <rect x={rect.x} y={rect.y} width={rect.width} height={rect.height} rx="8" />
                <g
                  class="graph-box-header"
                  role="button"
                  tabindex={0}
                  aria-expanded="true"
                  aria-label={`${box.label} (${box.sublabel}), open module: press Enter to collapse`}
                  onClick={(event) => activate(event, box.id, 'box')}
                  onKeyDown={(event) => onItemKey(event, box.id, 'box')}
                >
                  <rect x={rect.x} y={rect.y} width={rect.width} height={BOX_HEADER} rx="8" />
                  <text x={rect.x + 10} y={rect.y + 17}>
                    <tspan class="graph-toggle">▾ </tspan>
                    <tspan class="graph-box-name">{box.label}</tspan>
                    {headerFits(box.label, box.sublabel, rect.width) && (
                      <tspan class="graph-sublabel" dx="6">
                        {box.sublabel}
                      </tspan>
                    )}
                  </text>
                </g>
              </g>
            );
          })}
          {graph.edges.map((edge) => {
            const placed = scene.edges.get(edge.id);
            if (!placed || placed.points.length < 2) return null;
            const d = placed.points.map((p, i) => `${i ? 'L' : 'M'}${p.x} ${p.y}`).join(' ');
            const touchesSelection =
              selected !== null && (edge.source === selected || edge.target === selected);
            return (
              <g key={edge.id} class={`graph-edge${touchesSelection ? ' selected' : ''}`}>
                <path d={d} marker-end="url(#graph-arrow)" />
                {placed.label && (
                  <text
                    x={placed.label.x + placed.label.width / 2}
                    y={placed.label.y + placed.label.height - 3}
                    class="graph-edge-label"
                  >
                    {edge.label}
                  </text>
                )}
              </g>
            );
          })}
          {graph.nodes.map((node) => {
            const rect = scene.nodes.get(node.id);
            return rect ? (
              <NodeShape
                key={node.id}
                node={node}
                rect={rect}
                selected={selected === node.id}
                match={highlighted.has(node.id)}
                onClick={(event) =>
                  activate(event, node.id, node.kind === 'module' ? 'module' : 'item')
                }
                onKeyDown={(event) =>
                  onItemKey(event, node.id, node.kind === 'module' ? 'module' : 'item')
                }
              />
            ) : null;
          })}
        </g>
      </svg>
    </div>
  );
}

interface NodeProps {
  node: VisibleNode;
  rect: { x: number; y: number; width: number; height: number };
  selected: boolean;
  match: boolean;
  onClick: (event: MouseEvent) => void;
  onKeyDown: (event: KeyboardEvent) => void;
}

function NodeShape({ node, rect, selected, match, onClick, onKeyDown }: NodeProps) {
  const collapsed = node.kind === 'module';
  const what = collapsed ? 'collapsed module: press Enter to expand' : node.kind;
  return (
    <g
      class={`graph-node kind-${node.kind}${selected ? ' selected' : ''}${match ? ' match' : ''}`}
      data-id={node.id}
      role="button"
      tabindex={0}
      aria-pressed={selected}
      aria-expanded={collapsed ? 'false' : undefined}
      aria-label={`${node.label} (${node.sublabel}), ${what}`}
      onClick={onClick}
      onKeyDown={onKeyDown}
    >
      <rect
        x={rect.x}
        y={rect.y}
        width={rect.width}
        height={NODE_HEIGHT}
        rx={node.kind === 'op' ? 5 : 12}
      />
      <text x={rect.x + rect.width / 2} y={rect.y + 17} class="graph-node-name">
        {collapsed ? `▸ ${node.label}` : node.label}
      </text>
      <text x={rect.x + rect.width / 2} y={rect.y + 32} class="graph-sublabel">
        {node.sublabel}
      </text>
    </g>
  );
}

/** Whether a box header has room for the class name after the module name. */
function headerFits(label: string, sublabel: string, width: number): boolean {
  return textWidth(`▾ ${label}`, NODE_FONT_PX, 600) + textWidth(sublabel, 11) + 26 <= width;
}

function clamp(k: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
}
