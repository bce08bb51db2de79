// The Distributions view: a card per run and tag showing how its histograms' percentiles move
// over time, as nested bands around the median.
import { useMemo } from 'preact/hooks';
import { usePollTick, usePolledJSON, useStoredState, useThemeName } from '../../lib/hooks';
import { type RunTag, RunTagDashboard } from '../../lib/RunTagDashboard';
import '../../lib/plots.css';
import type { ViewProps } from '../types';
import { DistributionCard } from './DistributionCard';
import { X_AXIS_LABELS, type XAxisKind } from './model';

/** `data/plugin/distributions/tags`: run -> tag -> its name and description. */
type DistributionTags = Record<
  string,
  Record<string, { displayName: string; description: string }>
>;

const REFRESH_MS = 5000;

export default function DistributionsView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const theme = useThemeName();
  const [xKind, setXKind] = useStoredState<XAxisKind>(
    'torchscope.distributions.x',
    'step',
    (stored) =>
      typeof stored === 'string' && stored in X_AXIS_LABELS ? (stored as XAxisKind) : 'step',
  );
  const { data, error } = usePolledJSON<[string[], DistributionTags]>(
    ['data/runs', `data/plugin/${plugin}/tags`],
    tick,
  );
  const tags = data?.[1];
  const entries = useMemo<RunTag[] | null>(
    () =>
      tags
        ? Object.entries(tags).flatMap(([run, byTag]) =>
            Object.keys(byTag).map((tag) => ({ run, tag })),
          )
        : null,
    [tags],
  );
  return (
    <RunTagDashboard
      name="distributions"
      label={label}
      entries={entries}
      runOrder={data?.[0] ?? []}
      error={error}
      pollTick={tick}
      renderCard={({ run, tag }, color) => (
        <DistributionCard
          plugin={plugin}
          run={run}
          tag={tag}
          color={color}
          description={tags?.[run]?.[tag]?.description ?? ''}
          xKind={xKind}
          theme={theme}
          pollTick={tick}
        />
      )}
    >
      <div class="filter-input">
        <label for="distributions-x-axis">Horizontal axis</label>
        <select
          id="distributions-x-axis"
          value={xKind}
          onChange={(event) => setXKind((event.target as HTMLSelectElement).value as XAxisKind)}
        >
          {(Object.keys(X_AXIS_LABELS) as XAxisKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {X_AXIS_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
    </RunTagDashboard>
  );
}
