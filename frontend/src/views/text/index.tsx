// The Text view: a card per run and tag with each step's text, rendered and sanitized by the
// server.
import { useMemo } from 'preact/hooks';
import { type RunTag, RunTagDashboard } from '../../lib/RunTagDashboard';
import { usePollTick, usePolledJSON } from '../../lib/hooks';
import type { ViewProps } from '../types';
import { TextCard } from './TextCard';
import './text.css';

/** `data/plugin/text/tags`: run -> its text tags. */
type TextTags = Record<string, string[]>;

const REFRESH_MS = 5000;

export default function TextView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const { data, error } = usePolledJSON<[string[], TextTags]>(
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
  return (
    <RunTagDashboard
      name="text"
      label={label}
      entries={entries}
      runOrder={data?.[0] ?? []}
      error={error}
      pollTick={tick}
      renderCard={({ run, tag }, color) => (
        <TextCard plugin={plugin} run={run} tag={tag} color={color} pollTick={tick} />
      )}
    />
  );
}
