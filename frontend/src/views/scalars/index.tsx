// The Scalars view: a card per tag with every selected run overlaid, grouped by tag prefix.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJSON } from '../../api';
import { runColor } from '../../lib/colors';
import { FilterInput } from '../../lib/FilterInput';
import { EAGER_CARDS, groupStartIndices, LazyCardGrid } from '../../lib/LazyCardGrid';
import { groupByTag, groupTitle } from '../../lib/grouping';
import { LogdirHealth } from '../../lib/LogdirHealth';
import { usePollTick, useStoredState, useThemeName } from '../../lib/hooks';
import { compileFilter } from '../../lib/regex';
import { VirtualList } from '../../lib/VirtualList';
import '../../lib/views.css';
import type { ViewProps } from '../types';
import { ChartSettingsControls } from './ChartSettingsControls';
import type { ScalarTags } from './data';
import { DOWNLOAD_FORMATS, selectionDownloadUrl } from './download';
import { X_AXIS_LABELS } from './model';
import { ScalarCard, type ScalarSettings } from './ScalarCard';
import './scalars.css';

/** How often the tag list and the charts on screen are refreshed, ms. */
const REFRESH_MS = 5000;
/** Run rows: a fixed height lets hundreds of runs render only the rows on screen. */
const RUN_ROW_PX = 24;
const RUN_ROWS_SHOWN = 16;
/** A one-run card's height, for the placeholders of cards not built yet. */
const SCALAR_CARD_PX = 320;

const DEFAULT_SETTINGS: ScalarSettings & { tagFilter: string; runFilter: string } = {
  smoothing: 0.6,
  xKind: 'step',
  ignoreOutliers: false,
  tagFilter: '',
  runFilter: '',
};
type StoredSettings = typeof DEFAULT_SETTINGS;

function sanitizeSettings(stored: unknown): StoredSettings {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<StoredSettings>;
  const smoothing = Number(value.smoothing);
  return {
    smoothing: smoothing >= 0 && smoothing <= 0.999 ? smoothing : DEFAULT_SETTINGS.smoothing,
    xKind: value.xKind && value.xKind in X_AXIS_LABELS ? value.xKind : 'step',
    ignoreOutliers: value.ignoreOutliers === true,
    tagFilter: typeof value.tagFilter === 'string' ? value.tagFilter : '',
    runFilter: typeof value.runFilter === 'string' ? value.runFilter : '',
  };
}

export default function ScalarsView({ plugin }: ViewProps) {
  const [settings, setSettings] = useStoredState(
    'torchscope.scalars',
    DEFAULT_SETTINGS,
    sanitizeSettings,
  );
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [runOrder, setRunOrder] = useState<string[]>([]);
  const [tagIndex, setTagIndex] = useState<ScalarTags | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pollTick = usePollTick(REFRESH_MS);
  const theme = useThemeName();
  const lastAnswer = useRef('');
  const update = (change: Partial<StoredSettings>) => setSettings({ ...settings, ...change });

  useEffect(() => {
    const abort = new AbortController();
    Promise.all([
      getJSON<string[]>('data/runs', { signal: abort.signal }),
      getJSON<ScalarTags>(`data/plugin/${plugin}/tags`, { signal: abort.signal }),
    ]).then(
      ([runs, tags]) => {
        // Unchanged answers keep their identity, so thousands of cards are not re-rendered.
        const text = JSON.stringify([runs, tags]);
        if (text !== lastAnswer.current) {
          lastAnswer.current = text;
          setRunOrder(runs);
          setTagIndex(tags);
        }
        setError(null);
      },
      (reason: unknown) => {
        if (!abort.signal.aborted)
          setError(reason instanceof Error ? reason.message : String(reason));
      },
    );
    return () => abort.abort();
  }, [plugin, pollTick]);

  // Colours follow the server's run order, which only grows: a run keeps its colour.
  const colorIndex = useMemo(() => {
    const index = new Map(runOrder.map((run, i) => [run, i]));
    for (const run of Object.keys(tagIndex ?? {})) if (!index.has(run)) index.set(run, index.size);
    return index;
  }, [runOrder, tagIndex]);
  const colorOf = useCallback((run: string) => runColor(colorIndex.get(run) ?? 0), [colorIndex]);

  const runFilter = useMemo(() => compileFilter(settings.runFilter), [settings.runFilter]);
  const tagFilter = useMemo(() => compileFilter(settings.tagFilter), [settings.tagFilter]);
  const scalarRuns = useMemo(
    () => [...colorIndex.keys()].filter((run) => tagIndex && run in tagIndex),
    [colorIndex, tagIndex],
  );
  const listedRuns = scalarRuns.filter((run) => runFilter.test(run));
  const selectedRuns = listedRuns.filter((run) => !hidden.has(run));

  const cards = useMemo(() => {
    const byTag = new Map<string, { runs: string[]; description: string }>();
    for (const run of selectedRuns) {
      for (const [tag, info] of Object.entries(tagIndex?.[run] ?? {})) {
        if (!tagFilter.test(tag)) continue;
        const entry = byTag.get(tag) ?? { runs: [], description: info.description };
        entry.runs.push(run);
        byTag.set(tag, entry);
      }
    }
    return byTag;
  }, [selectedRuns.join('\n'), tagIndex, tagFilter]);
  const groups = useMemo(() => groupByTag([...cards.keys()].sort(), (tag) => tag), [cards]);
  const groupStarts = useMemo(() => groupStartIndices(groups), [groups]);
  const chartSettings = useMemo<ScalarSettings>(
    () => ({
      smoothing: settings.smoothing,
      xKind: settings.xKind,
      ignoreOutliers: settings.ignoreOutliers,
    }),
    [settings.smoothing, settings.xKind, settings.ignoreOutliers],
  );

  const toggleRun = (run: string) => {
    const next = new Set(hidden);
    if (next.has(run)) next.delete(run);
    else next.add(run);
    setHidden(next);
  };
  const showListed = (show: boolean) => {
    const next = new Set(hidden);
    for (const run of listedRuns) {
      if (show) next.delete(run);
      else next.add(run);
    }
    setHidden(next);
  };

  return (
    <div class="dash scalars-view" data-ready={tagIndex ? '1' : '0'}>
      <aside class="dash-side" aria-label="Scalar settings">
        <h2>Settings</h2>
        <ChartSettingsControls idPrefix="scalars" settings={settings} update={update} />
        <FilterInput
          id="scalars-tag-filter"
          label="Filter tags"
          value={settings.tagFilter}
          filter={tagFilter}
          onInput={(tagFilterText) => update({ tagFilter: tagFilterText })}
        />
        <FilterInput
          id="scalars-run-filter"
          label="Filter runs"
          value={settings.runFilter}
          filter={runFilter}
          onInput={(runFilterText) => update({ runFilter: runFilterText })}
        />
        <div class="scalars-download">
          <strong>Download selection</strong>
          <div class="side-actions">
            {DOWNLOAD_FORMATS.map((format) => (
              <a
                key={format}
                class="button button-small"
                data-format={format}
                download
                title={`Every point of the series shown, as ${format.toUpperCase()}`}
                href={selectionDownloadUrl(
                  {
                    runFilter: settings.runFilter,
                    runFilterValid: runFilter.error === null,
                    tagFilter: settings.tagFilter,
                    tagFilterValid: tagFilter.error === null,
                    listedRuns,
                    selectedRuns,
                  },
                  format,
                )}
              >
                {format.toUpperCase()}
              </a>
            ))}
          </div>
        </div>
        <fieldset>
          <legend>
            Runs ({selectedRuns.length} of {scalarRuns.length} shown)
          </legend>
          <div class="side-actions">
            <button type="button" class="button button-small" onClick={() => showListed(true)}>
              All
            </button>
            <button type="button" class="button button-small" onClick={() => showListed(false)}>
              None
            </button>
          </div>
          <VirtualList
            class="run-list"
            label="Runs to show"
            items={listedRuns}
            rowHeight={RUN_ROW_PX}
            visibleRows={RUN_ROWS_SHOWN}
            itemKey={(run) => run}
            renderRow={(run) => (
              <label title={run}>
                <input
                  type="checkbox"
                  checked={!hidden.has(run)}
                  onChange={() => toggleRun(run)}
                />
                <span class="swatch" style={{ background: colorOf(run) }} />
                <span class="run-name">{run}</span>
              </label>
            )}
          />
        </fieldset>
      </aside>
      <section class="dash-main" aria-label="Scalar charts">
        <LogdirHealth pollTick={pollTick} />
        {error && <p class="card-error">Could not load the scalar tags: {error}</p>}
        {!tagIndex && !error && (
          <p class="loading" role="status">
            Loading scalars…
          </p>
        )}
        {tagIndex && cards.size === 0 && (
          <p class="dash-note">No scalar tag matches the filters and the selected runs.</p>
        )}
        {tagIndex && cards.size > 0 && (
          <p class="dash-note">
            {cards.size} tag{cards.size === 1 ? '' : 's'}; drag across a chart to zoom, double-click
            (or Escape) to zoom out.
          </p>
        )}
        {groups.map(([group, tags], index) => (
          <details key={group} class="tag-group" open>
            <summary>
              {groupTitle(group)}
              <span class="count">{tags.length}</span>
            </summary>
            <LazyCardGrid
              items={tags}
              itemKey={(tag) => tag}
              cardHeight={SCALAR_CARD_PX}
              eager={EAGER_CARDS - groupStarts[index]}
              renderItem={(tag) => {
                const card = cards.get(tag);
                return card ? (
                  <ScalarCard
                    plugin={plugin}
                    tag={tag}
                    runs={card.runs}
                    colorOf={colorOf}
                    settings={chartSettings}
                    theme={theme}
                    pollTick={pollTick}
                    description={card.description}
                  />
                ) : null;
              }}
            />
          </details>
        ))}
      </section>
    </div>
  );
}
