// The Explain view: a card per run and tag of explanation records (SummaryWriter.add_explanation).
import { useMemo } from 'preact/hooks';
import { type RunTag, RunTagDashboard } from '../../lib/RunTagDashboard';
import { usePollTick, usePolledJSON } from '../../lib/hooks';
import type { ViewProps } from '../types';
import { ExplainCard } from './ExplainCard';
import './explain.css';

/** `data/plugin/explain/tags`: run -> its explanation tags. */
type ExplainTags = Record<string, string[]>;

const REFRESH_MS = 5000;

export default function ExplainView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const { data, error } = usePolledJSON<[string[], ExplainTags]>(
    ['data/runs', `data/plugin/${plugin}/tags`],
    tick,
  );
  const tags = data?.[1];
  const entries = useMemo<RunTag[] | null>(
    () =>
      tags
        ? Object.entries(tags).flatMap(([run, names]) => names.map((tag) => ({ run, tag })))
        : null,
    [tags],
  );
  const ids = useMemo(() => new Map((entries ?? []).map((e, i) => [`${e.run}\n${e.tag}`, i])), [
    entries,
  ]);
  return (
    <RunTagDashboard
      name="explain"
      label={label}
      entries={entries}
      runOrder={data?.[0] ?? []}
      error={error}
      pollTick={tick}
      renderCard={({ run, tag }, color) => (
        <ExplainCard
          plugin={plugin}
          run={run}
          tag={tag}
          color={color}
          pollTick={tick}
          idPrefix={`explain-${ids.get(`${run}\n${tag}`) ?? 0}`}
        />
      )}
    />
  );
}
