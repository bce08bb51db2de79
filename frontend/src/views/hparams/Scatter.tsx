// A metric against a hyperparameter: one point per session that has both values.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Column, Scale, Session } from './model';

const HEIGHT = 300;
const LEFT = 64;
const RIGHT = 20;
const TOP = 14;
const BOTTOM = 44;

interface Props {
  x: Column;
  y: Column;
  xScale: Scale;
  yScale: Scale;
  sessions: Session[];
  shown: ReadonlySet<string>;
  colorOf: (run: string) => string;
  hovered: string | null;
  onHover: (run: string | null) => void;
}

export function Scatter({
  x,
  y,
  xScale,
  yScale,
  sessions,
  shown,
  colorOf,
  hovered,
  onHover,
}: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const sizer = new ResizeObserver(() => setWidth(Math.max(280, host.clientWidth)));
    sizer.observe(host);
    return () => sizer.disconnect();
  }, []);
  const plotWidth = width - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  // Points are inset from the axes so that the extremes do not sit on them.
  const inset = (position: number) => 0.05 + position * 0.9;
  const px = (position: number) => LEFT + inset(position) * plotWidth;
  const py = (position: number) => TOP + (1 - inset(position)) * plotHeight;
  const points = sessions.flatMap((session) => {
    const a = xScale.position(session.values[x.key] ?? null);
    const b = yScale.position(session.values[y.key] ?? null);
    return a === null || b === null ? [] : [{ session, cx: px(a), cy: py(b) }];
  });
  // Kept sessions above dimmed ones, the hovered one above all.
  points.sort(
    (p, q) =>
      Number(shown.has(p.session.run)) - Number(shown.has(q.session.run)) ||
      Number(p.session.run === hovered) - Number(q.session.run === hovered),
  );

  return (
    <div ref={hostRef} class="scatter-host">
      <svg
        class="scatter"
        width={width}
        height={HEIGHT}
        role="img"
        aria-label={`${y.label} against ${x.label}: ${points.length} sessions`}
        data-points={points.length}
      >
        <line
          class="sc-axis"
          x1={LEFT}
          x2={LEFT + plotWidth}
          y1={TOP + plotHeight}
          y2={TOP + plotHeight}
        />
        <line class="sc-axis" x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotHeight} />
        {xScale.ticks.map((tick) => (
          <text
            key={`x${tick.position}`}
            class="sc-tick"
            x={px(tick.position)}
            y={TOP + plotHeight + 16}
            text-anchor="middle"
          >
            {tick.label.length > 12 ? `${tick.label.slice(0, 11)}…` : tick.label}
          </text>
        ))}
        {yScale.ticks.map((tick) => (
          <text
            key={`y${tick.position}`}
            class="sc-tick"
            x={LEFT - 6}
            y={py(tick.position)}
            dy="0.32em"
            text-anchor="end"
          >
            {tick.label.length > 9 ? `${tick.label.slice(0, 8)}…` : tick.label}
          </text>
        ))}
        <text class="sc-title" x={LEFT + plotWidth / 2} y={HEIGHT - 6} text-anchor="middle">
          {x.label}
          {xScale.log ? ' (log)' : ''}
        </text>
        <text
          class="sc-title"
          transform={`translate(14,${TOP + plotHeight / 2}) rotate(-90)`}
          text-anchor="middle"
        >
          {y.label}
          {yScale.log ? ' (log)' : ''}
        </text>
        {points.map(({ session, cx, cy }) => {
          const kept = shown.has(session.run);
          const hot = session.run === hovered;
          return (
            <circle
              key={session.run}
              class={`sc-point${kept ? '' : ' sc-dim'}${hot ? ' sc-hot' : ''}`}
              cx={cx}
              cy={cy}
              r={hot ? 7 : 5}
              fill={kept ? colorOf(session.run) : undefined}
              data-run={session.run}
              onPointerEnter={() => onHover(session.run)}
              onPointerLeave={() => onHover(null)}
            >
              <title>
                {session.run}: {x.label} {String(session.values[x.key])}, {y.label}{' '}
                {String(session.values[y.key])}
              </title>
            </circle>
          );
        })}
      </svg>
    </div>
  );
}
