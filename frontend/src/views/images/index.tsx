// The Images view: a card per run and tag, with a step slider for each image of a step.
import { RunTagDashboard } from '../../lib/RunTagDashboard';
import { usePollTick, useStoredState } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import type { ViewProps } from '../types';
import { ImageCard } from './ImageCard';
import './images.css';

/** `data/plugin/images/tags`: run -> tag -> how many images its fullest step holds. */
type ImageTags = Record<
  string,
  Record<string, { displayName: string; description: string; samples: number }>
>;

const REFRESH_MS = 5000;

export default function ImagesView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const [fitAll, setFitAll] = useStoredState('torchscope.images.fit', false, (v) => v === true);
  const { runs, tags, entries, error } = usePluginTags<ImageTags>(plugin, tick);
  return (
    <RunTagDashboard
      name="images"
      label={label}
      entries={entries}
      runOrder={runs}
      error={error}
      pollTick={tick}
      renderCard={({ run, tag }, color) => (
        <ImageCard
          plugin={plugin}
          run={run}
          tag={tag}
          color={color}
          samples={Math.max(1, tags?.[run]?.[tag]?.samples ?? 1)}
          description={tags?.[run]?.[tag]?.description ?? ''}
          pollTick={tick}
          fitAll={fitAll}
        />
      )}
    >
      <label class="setting-row">
        <input
          type="checkbox"
          checked={fitAll}
          onChange={(event) => setFitAll((event.target as HTMLInputElement).checked)}
        />
        Fit every image to its card
      </label>
    </RunTagDashboard>
  );
}
