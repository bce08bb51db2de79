// One run's distribution of one tag: the percentiles of its histograms over time.
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { query } from '../../lib/http';
import { useInView, useJSONInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';
import { CHART_HEIGHT, DistributionChart } from './chart';
import { type DistributionColumns, type DistributionRow, toColumns, type XAxisKind } from './model';

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  description: string;
  xKind: XAxisKind;
  theme: string;
  pollTick: number;
}

export function DistributionCard(props: Props) {
  const { plugin, run, tag, color, description, xKind, theme, pollTick } = props;
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const { data: rows, error } = useJSONInView<DistributionRow[]>(
    `data/plugin/${plugin}/distributions?${query({ run, tag })}`,
    inView,
    pollTick,
  );

  const columns = useMemo(() => (rows ? toColumns(rows, xKind) : null), [rows, xKind]);
  return (
    <article
      ref={cardRef}
      class="card distribution-card"
      data-run={run}
      data-tag={tag}
      data-ready={columns ? '1' : '0'}
      data-steps={columns?.x.length ?? 0}
      data-series={columns?.values.length ?? 0}
      data-x-kind={xKind}
    >
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
        {columns && (
          <span class="card-sub">
            {columns.x.length} step{columns.x.length === 1 ? '' : 's'}
          </span>
        )}
      </header>
      {description && <SanitizedHtml class="card-description" html={description} />}
      {error && <p class="card-error">Could not load the distribution: {error}</p>}
      {inView && columns ? (
        <ChartHost
          name={`${tag} (${run})`}
          columns={columns}
          xKind={xKind}
          color={color}
          theme={theme}
          cardRef={cardRef}
        />
      ) : (
        <div class="plot-placeholder" style={{ height: `${CHART_HEIGHT}px` }} />
      )}
    </article>
  );
}

interface HostProps {
  name: string;
  columns: DistributionColumns;
  xKind: XAxisKind;
  color: string;
  theme: string;
  cardRef: { current: HTMLElement | null };
}

function ChartHost({ name, columns, xKind, color, theme, cardRef }: HostProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<DistributionChart | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let draws = 0;
    const chart = new DistributionChart(host, () => {
      draws += 1;
      if (cardRef.current) cardRef.current.dataset.draws = String(draws);
    });
    chartRef.current = chart;
    const sizer = new ResizeObserver(() => chart.resize(host.clientWidth));
    sizer.observe(host);
    chart.resize(host.clientWidth);
    return () => {
      sizer.disconnect();
      chart.destroy();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    chartRef.current?.update({ columns, xKind, color, theme });
  }, [columns, xKind, color, theme]);

  return (
    <div
      ref={hostRef}
      class="plot-host distribution-plot"
      tabIndex={0}
      role="group"
      aria-label={
        `Distribution of ${name} over ${columns.x.length} steps: median line inside bands ` +
        'from the minimum to the maximum. Left and right arrows move the cursor a step.'
      }
      style={{ minHeight: `${CHART_HEIGHT}px` }}
    />
  );
}
