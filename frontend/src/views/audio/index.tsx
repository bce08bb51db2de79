// The Audio view: a card per run and tag, with a player and a step slider per clip of a step.
import { usePollTick } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import { RunTagDashboard } from '../../lib/RunTagDashboard';
import '../../lib/plots.css';
import type { ViewProps } from '../types';
import { AudioCard } from './AudioCard';
import './audio.css';

/** `data/plugin/audio/tags`: run -> tag -> how many clips its fullest step holds. */
type AudioTags = Record<
  string,
  Record<string, { displayName: string; description: string; samples: number }>
>;

const REFRESH_MS = 5000;

export default function AudioView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const { runs, tags, entries, error } = usePluginTags<AudioTags>(plugin, tick);
  return (
    <RunTagDashboard
      name="audio"
      label={label}
      entries={entries}
      runOrder={runs}
      error={error}
      pollTick={tick}
      renderCard={({ run, tag }, color) => (
        <AudioCard
          plugin={plugin}
          run={run}
          tag={tag}
          color={color}
          samples={Math.max(1, tags?.[run]?.[tag]?.samples ?? 1)}
          description={tags?.[run]?.[tag]?.description ?? ''}
          pollTick={tick}
        />
      )}
    />
  );
}
