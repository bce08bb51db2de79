// The PR curves view: a card per tag with every selected run's precision-recall curve
// overlaid, each run at the step chosen by its own slider.
import { useCallback, useMemo } from 'preact/hooks';
import { runColor } from '../../lib/colors';
import { FilterInput } from '../../lib/FilterInput';
import { groupByTag, groupTitle } from '../../lib/grouping';
import { usePollTick, usePolledJSON, useStoredState, useThemeName } from '../../lib/hooks';
import { EAGER_CARDS, groupStartIndices, LazyCardGrid } from '../../lib/LazyCardGrid';
import { LogdirHealth } from '../../lib/LogdirHealth';
import { compileFilter } from '../../lib/regex';
import '../../lib/plots.css';
import '../../lib/views.css';
import type { ViewProps } from '../types';
import { PrCurveCard } from './PrCurveCard';
import './pr_curves.css';

/** `data/plugin/pr_curves/tags`: run -> tag -> its name and description. */
type PrTags = Record<string, Record<string, { displayName: string; description: string }>>;

interface Filters {
  tagFilter: string;
  runFilter: string;
}

const REFRESH_MS = 5000;
/** A card's usual height, for the placeholders of cards not built yet. */
const PR_CARD_PX = 360;

function sanitizeFilters(stored: unknown): Filters {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<Filters>;
  return {
    tagFilter: typeof value.tagFilter === 'string' ? value.tagFilter : '',
    runFilter: typeof value.runFilter === 'string' ? value.runFilter : '',
  };
}

export default function PrCurvesView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const theme = useThemeName();
  const [filters, setFilters] = useStoredState<Filters>(
    'torchscope.pr_curves.filters',
    { tagFilter: '', runFilter: '' },
    sanitizeFilters,
  );
  const { data, error } = usePolledJSON<[string[], PrTags]>(
    ['data/runs', `data/plugin/${plugin}/tags`],
    tick,
  );
  const runOrder = data?.[0] ?? [];
  const tags = data?.[1] ?? null;
  const tagFilter = useMemo(() => compileFilter(filters.tagFilter), [filters.tagFilter]);
  const runFilter = useMemo(() => compileFilter(filters.runFilter), [filters.runFilter]);

  // Colours follow the server's run order, which only grows: a run keeps its colour.
  const colorIndex = useMemo(() => new Map(runOrder.map((run, i) => [run, i])), [runOrder]);
  const colorOf = useCallback(
    (run: string) => runColor(colorIndex.get(run) ?? colorIndex.size),
    [colorIndex],
  );

  const cards = useMemo(() => {
    const byTag = new Map<string, { runs: string[]; description: string }>();
    const runs = Object.keys(tags ?? {})
      .filter((run) => runFilter.test(run))
      .sort((a, b) => (colorIndex.get(a) ?? Infinity) - (colorIndex.get(b) ?? Infinity));
    for (const run of runs) {
      for (const [tag, info] of Object.entries(tags?.[run] ?? {})) {
        if (!tagFilter.test(tag)) continue;
        const entry = byTag.get(tag) ?? { runs: [], description: info.description };
        entry.runs.push(run);
        byTag.set(tag, entry);
      }
    }
    return byTag;
  }, [tags, tagFilter, runFilter, colorIndex]);
  const groups = useMemo(() => groupByTag([...cards.keys()].sort(), (tag) => tag), [cards]);
  const groupStarts = useMemo(() => groupStartIndices(groups), [groups]);

  return (
    <div class="dash pr-curves-view" data-ready={tags ? '1' : '0'}>
      <aside class="dash-side" aria-label={`${label} settings`}>
        <h2>Settings</h2>
        <FilterInput
          id="pr-tag-filter"
          label="Filter tags"
          value={filters.tagFilter}
          filter={tagFilter}
          onInput={(tagFilterText) => setFilters({ ...filters, tagFilter: tagFilterText })}
        />
        <FilterInput
          id="pr-run-filter"
          label="Filter runs"
          value={filters.runFilter}
          filter={runFilter}
          onInput={(runFilterText) => setFilters({ ...filters, runFilter: runFilterText })}
        />
      </aside>
      <section class="dash-main" aria-label={label}>
        <LogdirHealth pollTick={tick} />
        {error && <p class="card-error">Could not load the PR curves: {error}</p>}
        {!tags && !error && (
          <p class="loading" role="status">
            Loading PR curves…
          </p>
        )}
        {tags && cards.size === 0 && <p class="dash-note">Nothing matches the filters.</p>}
        {groups.map(([group, members], index) => (
          <details key={group} class="tag-group" open>
            <summary>
              {groupTitle(group)}
              <span class="count">{members.length}</span>
            </summary>
            <LazyCardGrid
              items={members}
              itemKey={(tag) => tag}
              cardHeight={PR_CARD_PX}
              eager={EAGER_CARDS - groupStarts[index]}
              renderItem={(tag) => {
                const card = cards.get(tag);
                return card ? (
                  <PrCurveCard
                    plugin={plugin}
                    tag={tag}
                    runs={card.runs}
                    colorOf={colorOf}
                    description={card.description}
                    theme={theme}
                    pollTick={tick}
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
