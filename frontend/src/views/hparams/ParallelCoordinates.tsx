// Parallel coordinates: an axis per column, a polyline per session. Dragging along an axis
// brushes it (only sessions inside every brush stay coloured); a click on an axis clears its
// brush. Axes take keyboard focus: arrow keys move a brush, Shift+arrows resize it, Escape
// clears it.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Brush, Brushes, Column, Scale, Session } from './model';

const HEIGHT = 320;
const TOP = 34;
const BOTTOM = 18;
const SIDE = 56;
const PLOT = HEIGHT - TOP - BOTTOM;
/** A keyboard brush starts this tall and moves this far per key press (fractions of the axis). */
const KEY_BRUSH = 0.25;
const KEY_STEP = 0.05;

interface Props {
  columns: Column[];
  sessions: Session[];
  scales: Map<string, Scale>;
  brushes: Brushes;
  /** Runs passing every brush and the table's filter. */
  shown: ReadonlySet<string>;
  colorOf: (run: string) => string;
  hovered: string | null;
  onHover: (run: string | null) => void;
  onBrush: (key: string, brush: Brush | null) => void;
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

const yOf = (position: number) => TOP + (1 - position) * PLOT;
const positionOf = (y: number) => clamp(1 - (y - TOP) / PLOT);

export function ParallelCoordinates(props: Props) {
  const { columns, sessions, scales, brushes, shown, colorOf, hovered, onHover, onBrush } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [drag, setDrag] = useState<{ key: string; from: number; to: number } | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const sizer = new ResizeObserver(() => setWidth(Math.max(320, host.clientWidth)));
    sizer.observe(host);
    return () => sizer.disconnect();
  }, []);

  const step = columns.length > 1 ? (width - 2 * SIDE) / (columns.length - 1) : 0;
  const xOf = (index: number) => (columns.length > 1 ? SIDE + index * step : width / 2);

  const pathOf = (session: Session): string => {
    let d = '';
    let open = false;
    columns.forEach((column, index) => {
      const position = scales.get(column.key)?.position(session.values[column.key] ?? null);
      if (position === null || position === undefined) {
        open = false; // a missing value breaks the line
        return;
      }
      d += `${open ? 'L' : 'M'}${xOf(index).toFixed(1)},${yOf(position).toFixed(1)}`;
      open = true;
    });
    return d;
  };

  const svgPoint = (event: PointerEvent): number => {
    const svg = (event.currentTarget as SVGElement).ownerSVGElement;
    const rect = (svg ?? (event.currentTarget as SVGElement)).getBoundingClientRect();
    return positionOf(event.clientY - rect.top);
  };

  const startDrag = (key: string) => (event: PointerEvent) => {
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
    const at = svgPoint(event);
    setDrag({ key, from: at, to: at });
    event.preventDefault();
  };
  const moveDrag = (event: PointerEvent) => {
    if (drag) setDrag({ ...drag, to: svgPoint(event) });
  };
  const endDrag = () => {
    if (!drag) return;
    const low = Math.min(drag.from, drag.to);
    const high = Math.max(drag.from, drag.to);
    // A click (no real drag) clears the axis's brush.
    onBrush(drag.key, high - low < 0.01 ? null : { low, high });
    setDrag(null);
  };

  const onAxisKey = (key: string) => (event: KeyboardEvent) => {
    const brush = brushes[key];
    const sign = event.key === 'ArrowUp' ? 1 : event.key === 'ArrowDown' ? -1 : 0;
    if (event.key === 'Escape' || event.key === 'Delete' || event.key === 'Backspace') {
      onBrush(key, null);
    } else if (sign !== 0) {
      const current = brush ?? { low: 1 - KEY_BRUSH, high: 1 };
      if (!brush) onBrush(key, current);
      else if (event.shiftKey) {
        onBrush(key, {
          low: current.low,
          high: clamp(Math.max(current.low + KEY_STEP, current.high + sign * KEY_STEP)),
        });
      } else {
        const shift = Math.max(-current.low, Math.min(1 - current.high, sign * KEY_STEP));
        onBrush(key, { low: current.low + shift, high: current.high + shift });
      }
    } else {
      return;
    }
    event.preventDefault();
  };

  // Dimmed sessions first, so the kept ones and the hovered one are drawn on top.
  const order = [...sessions].sort(
    (a, b) =>
      Number(shown.has(a.run)) - Number(shown.has(b.run)) ||
      Number(a.run === hovered) - Number(b.run === hovered),
  );

  return (
    <div ref={hostRef} class="pc-host">
      <svg
        class="pc"
        width={width}
        height={HEIGHT}
        role="group"
        aria-label={`Parallel coordinates: ${sessions.length} sessions over ${columns.length} axes`}
        data-lines={sessions.length}
        data-shown={sessions.filter((session) => shown.has(session.run)).length}
        onPointerMove={moveDrag}
        onPointerUp={endDrag}
      >
        <g class="pc-lines" onPointerLeave={() => onHover(null)}>
          {order.map((session) => {
            const kept = shown.has(session.run);
            const hot = session.run === hovered;
            return (
              <path
                key={session.run}
                class={`pc-line${kept ? '' : ' pc-dim'}${hot ? ' pc-hot' : ''}`}
                d={pathOf(session)}
                stroke={kept ? colorOf(session.run) : undefined}
                data-run={session.run}
                data-kept={kept ? '1' : '0'}
                onPointerEnter={() => onHover(session.run)}
              >
                <title>{session.run}</title>
              </path>
            );
          })}
        </g>
        {columns.map((column, index) => {
          const scale = scales.get(column.key);
          const x = xOf(index);
          const brush =
            drag?.key === column.key
              ? { low: Math.min(drag.from, drag.to), high: Math.max(drag.from, drag.to) }
              : brushes[column.key];
          const brushText =
            brush && scale
              ? `, brushed from ${scale.describe(brush.low)} to ${scale.describe(brush.high)}`
              : '';
          return (
            <g
              key={column.key}
              class="pc-axis"
              data-key={column.key}
              data-brushed={brushes[column.key] ? '1' : '0'}
              tabindex={0}
              role="slider"
              aria-label={
                `Axis ${column.label}${scale?.log ? ' (log scale)' : ''}${brushText}. ` +
                'Drag along it or use the arrow keys to brush (Shift resizes), Escape clears.'
              }
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={brush ? Math.round(brush.high * 100) : 100}
              onKeyDown={onAxisKey(column.key)}
            >
              <line class="pc-axis-line" x1={x} x2={x} y1={TOP} y2={TOP + PLOT} />
              {scale?.ticks.map((tick) => (
                <g key={`${tick.position}`} transform={`translate(${x},${yOf(tick.position)})`}>
                  <line class="pc-tick" x1={-3} x2={3} />
                  <text class="pc-tick-label" x={5} dy="0.32em">
                    {tick.label.length > 14 ? `${tick.label.slice(0, 13)}…` : tick.label}
                  </text>
                </g>
              ))}
              <text
                class={`pc-axis-title pc-${column.kind}`}
                x={x}
                y={TOP - 14}
                text-anchor={
                  index === 0 ? 'start' : index === columns.length - 1 ? 'end' : 'middle'
                }
              >
                {column.label.length > 22 ? `${column.label.slice(0, 21)}…` : column.label}
                <title>{column.label}</title>
              </text>
              {brush && (
                <rect
                  class="pc-brush"
                  x={x - 7}
                  width={14}
                  y={yOf(brush.high)}
                  height={Math.max(2, (brush.high - brush.low) * PLOT)}
                />
              )}
              <rect
                class="pc-hit"
                x={x - 12}
                width={24}
                y={TOP - 4}
                height={PLOT + 8}
                onPointerDown={startDrag(column.key)}
              />
            </g>
          );
        })}
      </svg>
    </div>
  );
}
