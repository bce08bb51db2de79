// The Audio view: a card per run and tag, with a player and a step slider per clip of a step.
import { useMemo } from 'preact/hooks';
import { usePollTick, usePolledJSON } from '../../lib/hooks';
import { type RunTag, RunTagDashboard } from '../../lib/RunTagDashboard';
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
  const { data, error } = usePolledJSON<[string[], AudioTags]>(
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
      name="audio"
      label={label}
      entries={entries}
      runOrder={data?.[0] ?? []}
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
