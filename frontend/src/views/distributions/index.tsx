// The Distributions view: a card per run and tag showing how its histograms' percentiles move
// over time, as nested bands around the median.
import { usePollTick, useStoredState, useThemeName } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import { RunTagDashboard } from '../../lib/RunTagDashboard';
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
  const { runs, tags, entries, error } = usePluginTags<DistributionTags>(plugin, tick);
  return (
    <RunTagDashboard
      name="distributions"
      label={label}
      entries={entries}
      runOrder={runs}
      error={error}
      pollTick={tick}
      cardHeight={290}
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
