// The frame of a view made of one card per (run, tag): run and tag filters in a sidebar, and
// the cards grouped by tag section. The view supplies the cards.
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { runColor } from './colors';
import { FilterInput } from './FilterInput';
import { groupByTag, groupTitle } from './grouping';
import { useStoredState } from './hooks';
import { EAGER_CARDS, groupStartIndices, LazyCardGrid } from './LazyCardGrid';
import { LogdirHealth } from './LogdirHealth';
import { compileFilter } from './regex';
import './views.css';

/** Placeholder height of a card not built yet, when the view does not say. */
const DEFAULT_CARD_PX = 320;

export interface RunTag {
  run: string;
  tag: string;
}

interface Filters {
  tagFilter: string;
  runFilter: string;
}

function sanitizeFilters(stored: unknown): Filters {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<Filters>;
  return {
    tagFilter: typeof value.tagFilter === 'string' ? value.tagFilter : '',
    runFilter: typeof value.runFilter === 'string' ? value.runFilter : '',
  };
}

interface Props {
  /** Names the view in labels and in the key its filters are remembered under. */
  name: string;
  label: string;
  /** Every (run, tag) with data, or null while loading. */
  entries: RunTag[] | null;
  /** The server's run order (for stable colours). */
  runOrder: string[];
  error: string | null;
  renderCard: (entry: RunTag, color: string) => ComponentChildren;
  /** A card's usual height in px, for the placeholders of cards not built yet. */
  cardHeight?: number;
  /** Goes up when the data should be fetched again (live refresh). */
  pollTick: number;
  /** Extra settings shown above the filters. */
  children?: ComponentChildren;
}

export function RunTagDashboard(props: Props) {
  const { name, label, entries, runOrder, error, renderCard, pollTick, children, cardHeight } =
    props;
  const [filters, setFilters] = useStoredState<Filters>(
    `torchscope.${name}.filters`,
    { tagFilter: '', runFilter: '' },
    sanitizeFilters,
  );
  const tagFilter = useMemo(() => compileFilter(filters.tagFilter), [filters.tagFilter]);
  const runFilter = useMemo(() => compileFilter(filters.runFilter), [filters.runFilter]);
  const colorIndex = useMemo(() => new Map(runOrder.map((run, i) => [run, i])), [runOrder]);

  const shown = useMemo(
    () =>
      (entries ?? [])
        .filter((entry) => tagFilter.test(entry.tag) && runFilter.test(entry.run))
        .sort((a, b) =>
          a.tag === b.tag
            ? (colorIndex.get(a.run) ?? 0) - (colorIndex.get(b.run) ?? 0)
            : a.tag < b.tag
              ? -1
              : 1,
        ),
    [entries, tagFilter, runFilter, colorIndex],
  );
  const groups = useMemo(() => groupByTag(shown, (entry) => entry.tag), [shown]);
  const groupStarts = useMemo(() => groupStartIndices(groups), [groups]);

  return (
    <div class={`dash ${name}-view`} data-ready={entries ? '1' : '0'}>
      <aside class="dash-side" aria-label={`${label} settings`}>
        <h2>Settings</h2>
        {children}
        <FilterInput
          id={`${name}-tag-filter`}
          label="Filter tags"
          value={filters.tagFilter}
          filter={tagFilter}
          onInput={(tagFilterText) => setFilters({ ...filters, tagFilter: tagFilterText })}
        />
        <FilterInput
          id={`${name}-run-filter`}
          label="Filter runs"
          value={filters.runFilter}
          filter={runFilter}
          onInput={(runFilterText) => setFilters({ ...filters, runFilter: runFilterText })}
        />
      </aside>
      <section class="dash-main" aria-label={label}>
        <LogdirHealth pollTick={pollTick} />
        {error && (
          <p class="card-error">
            Could not load the {label.toLowerCase()}: {error}
          </p>
        )}
        {!entries && !error && (
          <p class="loading" role="status">
            Loading {label.toLowerCase()}…
          </p>
        )}
        {entries && shown.length === 0 && <p class="dash-note">Nothing matches the filters.</p>}
        {groups.map(([group, members], index) => (
          <details key={group} class="tag-group" open>
            <summary>
              {groupTitle(group)}
              <span class="count">{members.length}</span>
            </summary>
            <LazyCardGrid
              items={members}
              itemKey={(entry) => `${entry.run}\n${entry.tag}`}
              cardHeight={cardHeight ?? DEFAULT_CARD_PX}
              eager={EAGER_CARDS - groupStarts[index]}
              renderItem={(entry) =>
                renderCard(entry, runColor(colorIndex.get(entry.run) ?? colorIndex.size))
              }
            />
          </details>
        ))}
      </section>
    </div>
  );
}
