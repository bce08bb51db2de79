// The Explain view: a card per run and tag of explanation records (SummaryWriter.add_explanation).
import { useMemo } from 'preact/hooks';
import { RunTagDashboard } from '../../lib/RunTagDashboard';
import { usePollTick } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import type { ViewProps } from '../types';
import { ExplainCard } from './ExplainCard';
import './explain.css';

/** `data/plugin/explain/tags`: run -> its explanation tags. */
type ExplainTags = Record<string, string[]>;

const REFRESH_MS = 5000;

export default function ExplainView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const { runs, entries, error } = usePluginTags<ExplainTags>(plugin, tick);
  const ids = useMemo(() => new Map((entries ?? []).map((e, i) => [`${e.run}\n${e.tag}`, i])), [
    entries,
  ]);
  return (
    <RunTagDashboard
      name="explain"
      label={label}
      entries={entries}
      runOrder={runs}
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
