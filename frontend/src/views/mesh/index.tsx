// The Mesh view: a three.js scene per run and mesh logged with `add_mesh`.
import { usePollTick, useThemeName } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import { RunTagDashboard } from '../../lib/RunTagDashboard';
import type { ViewProps } from '../types';
import type { MeshTags } from './data';
import { MeshCard } from './MeshCard';
import './mesh.css';

const REFRESH_MS = 5000;

export default function MeshView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const theme = useThemeName();
  const { runs, tags, entries, error } = usePluginTags<MeshTags>(plugin, tick);
  return (
    <RunTagDashboard
      name="mesh"
      label={label}
      entries={entries}
      runOrder={runs}
      error={error}
      pollTick={tick}
      renderCard={({ run, tag }, color) => (
        <MeshCard
          plugin={plugin}
          run={run}
          tag={tag}
          color={color}
          samples={Math.max(1, tags?.[run]?.[tag]?.samples ?? 1)}
          theme={theme}
          pollTick={tick}
        />
      )}
    >
      <p class="dash-note">
        Drag to rotate, right-drag to pan, scroll to zoom. On a focused scene: arrow keys pan,
        Shift+arrows rotate, + and − zoom, 0 resets the camera.
      </p>
    </RunTagDashboard>
  );
}
