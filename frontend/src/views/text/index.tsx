// The Text view: a card per run and tag with each step's text, rendered and sanitized by the
// server.
import { RunTagDashboard } from '../../lib/RunTagDashboard';
import { usePollTick } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import type { ViewProps } from '../types';
import { TextCard } from './TextCard';
import './text.css';

/** `data/plugin/text/tags`: run -> its text tags. */
type TextTags = Record<string, string[]>;

const REFRESH_MS = 5000;

export default function TextView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const { runs, entries, error } = usePluginTags<TextTags>(plugin, tick);
  return (
    <RunTagDashboard
      name="text"
      label={label}
      entries={entries}
      runOrder={runs}
      error={error}
      pollTick={tick}
      cardHeight={110}
      renderCard={({ run, tag }, color) => (
        <TextCard plugin={plugin} run={run} tag={tag} color={color} pollTick={tick} />
      )}
    />
  );
}
