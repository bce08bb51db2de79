// The Custom Scalars view: the chart layout a training script wrote with `add_custom_scalars`,
// one section per category, each chart drawing the runs' tags its patterns match.
import { useCallback, useMemo } from 'preact/hooks';
import { runColor } from '../../lib/colors';
import { FilterInput } from '../../lib/FilterInput';
import { LogdirHealth } from '../../lib/LogdirHealth';
import { usePolledJSON, usePollTick, useStoredState, useThemeName } from '../../lib/hooks';
import { compileFilter } from '../../lib/regex';
import '../../lib/views.css';
import { X_AXIS_LABELS } from '../scalars/model';
import type { ScalarSettings } from '../scalars/ScalarCard';
import '../scalars/scalars.css';
import type { ViewProps } from '../types';
import { ChartSettingsControls } from '../scalars/ChartSettingsControls';
import { CustomChartCard } from './CustomChartCard';
import {
  type Chart,
  type ChartLine,
  type Layout,
  layoutCharts,
  marginLines,
  multilineLines,
  patternError,
  type TagsByRun,
} from './layout';

const REFRESH_MS = 5000;
const NO_DATA: [Layout, string[], TagsByRun] = [{}, [], {}];

interface Settings extends ScalarSettings {
  runFilter: string;
}

const DEFAULTS: Settings = { smoothing: 0.6, xKind: 'step', ignoreOutliers: false, runFilter: '' };

function sanitizeSettings(stored: unknown): Settings {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<Settings>;
  const smoothing = Number(value.smoothing);
  return {
    smoothing: smoothing >= 0 && smoothing <= 0.999 ? smoothing : DEFAULTS.smoothing,
    xKind: value.xKind && value.xKind in X_AXIS_LABELS ? value.xKind : 'step',
    ignoreOutliers: value.ignoreOutliers === true,
    runFilter: typeof value.runFilter === 'string' ? value.runFilter : '',
  };
}

interface ResolvedChart {
  title: string;
  kind: 'multiline' | 'margin';
  lines: ChartLine[];
  colors: string[];
  bands: Array<{ upper: number; lower: number; color: string }>;
  problems: string[];
}

/** What one layout chart draws for the selected runs. */
function resolveChart(chart: Chart, runs: string[], tags: TagsByRun): ResolvedChart {
  const title = chart.title ?? '';
  if (chart.margin) {
    const groups = marginLines(chart.margin.series ?? [], runs, tags);
    const lines: ChartLine[] = [];
    const colors: string[] = [];
    const bands: ResolvedChart['bands'] = [];
    groups.forEach((group, i) => {
      const color = runColor(i);
      lines.push(group.value, group.lower, group.upper);
      colors.push(color, color, color);
      bands.push({ upper: 3 * i + 2, lower: 3 * i + 1, color });
    });
    return { title, kind: 'margin', lines, colors, bands, problems: [] };
  }
  const patterns = chart.multiline?.tag ?? [];
  const lines = multilineLines(patterns, runs, tags);
  const problems = patterns.flatMap((pattern) => {
    const error = patternError(pattern);
    return error ? [`The tag pattern ${JSON.stringify(pattern)} is invalid: ${error}`] : [];
  });
  return {
    title,
    kind: 'multiline',
    lines,
    colors: lines.map((_, i) => runColor(i)),
    bands: [],
    problems,
  };
}

export default function CustomScalarsView(_props: ViewProps) {
  const [settings, setSettings] = useStoredState(
    'torchscope.custom_scalars',
    DEFAULTS,
    sanitizeSettings,
  );
  const pollTick = usePollTick(REFRESH_MS);
  const theme = useThemeName();
  const { data, error } = usePolledJSON<[Layout, string[], TagsByRun]>(
    ['data/plugin/custom_scalars/layout', 'data/runs', 'data/plugin/scalars/tags'],
    pollTick,
  );
  const update = useCallback(
    (change: Partial<Settings>) => setSettings({ ...settings, ...change }),
    [settings],
  );
  const runFilter = useMemo(() => compileFilter(settings.runFilter), [settings.runFilter]);
  const [layout, runOrder, tags] = data ?? NO_DATA;
  const runs = useMemo(
    () => runOrder.filter((run) => run in tags && runFilter.test(run)),
    [runOrder, tags, runFilter],
  );
  const sections = useMemo(
    () =>
      layoutCharts(layout).map(({ category, charts }) => ({
        category,
        charts: charts.map((chart) => resolveChart(chart, runs, tags)),
      })),
    [layout, runs, tags],
  );
  const chartSettings = useMemo<ScalarSettings>(
    () => ({
      smoothing: settings.smoothing,
      xKind: settings.xKind,
      ignoreOutliers: settings.ignoreOutliers,
    }),
    [settings.smoothing, settings.xKind, settings.ignoreOutliers],
  );
  const chartCount = sections.reduce((sum, section) => sum + section.charts.length, 0);

  return (
    <div class="dash custom-scalars-view" data-ready={data ? '1' : '0'} data-charts={chartCount}>
      <aside class="dash-side" aria-label="Custom scalars settings">
        <h2>Settings</h2>
        <ChartSettingsControls idPrefix="custom" settings={settings} update={update} />
        <FilterInput
          id="custom-run-filter"
          label="Filter runs"
          value={settings.runFilter}
          filter={runFilter}
          onInput={(runFilterText) => update({ runFilter: runFilterText })}
        />
        <p class="dash-note">
          {runs.length} run{runs.length === 1 ? '' : 's'} with scalars shown. Margin charts are
          drawn unsmoothed.
        </p>
      </aside>
      <section class="dash-main" aria-label="Custom scalar charts">
        <LogdirHealth pollTick={pollTick} />
        {error && <p class="card-error">Could not load the layout: {error}</p>}
        {!data && !error && (
          <p class="loading" role="status">
            Loading the layout…
          </p>
        )}
        {data && sections.length === 0 && (
          <p class="dash-note">
            No layout yet: write one with <code>writer.add_custom_scalars(layout)</code>.
          </p>
        )}
        {sections.map(({ category, charts }, index) => (
          <details
            key={`${index}:${category.title ?? ''}`}
            class="tag-group custom-category"
            data-category={category.title ?? ''}
            open={!category.closed}
          >
            <summary>
              {category.title || 'Untitled'}
              <span class="count">{charts.length}</span>
            </summary>
            <div class="card-grid">
              {charts.map((chart, chartIndex) => (
                <CustomChartCard
                  key={`${chartIndex}:${chart.title}`}
                  title={chart.title}
                  kind={chart.kind}
                  lines={chart.lines}
                  colors={chart.colors}
                  bands={chart.bands}
                  settings={chartSettings}
                  theme={theme}
                  pollTick={pollTick}
                  problems={chart.problems}
                />
              ))}
            </div>
          </details>
        ))}
      </section>
    </div>
  );
}
