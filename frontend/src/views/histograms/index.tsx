// The Histograms view: a card per run and tag, every step drawn offset (a ridgeline, newest in
// front) or overlaid, rebinned to a fixed number of bins on the client.
import { usePollTick, useStoredState, useThemeName } from '../../lib/hooks';
import { usePluginTags } from '../../lib/pluginTags';
import { RunTagDashboard } from '../../lib/RunTagDashboard';
import '../../lib/plots.css';
import type { ViewProps } from '../types';
import type { HistogramMode } from './draw';
import { HistogramCard } from './HistogramCard';
import './histograms.css';

/** `data/plugin/histograms/tags`: run -> tag -> its name and description. */
type HistogramTags = Record<string, Record<string, { displayName: string; description: string }>>;

interface Settings {
  mode: HistogramMode;
  bins: number;
}

const REFRESH_MS = 5000;
/** TensorBoard draws 30 bins; a few other choices for wide screens or coarse data. */
const BIN_CHOICES = [10, 20, 30, 50, 100];
const DEFAULT_SETTINGS: Settings = { mode: 'offset', bins: 30 };

function sanitizeSettings(stored: unknown): Settings {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<Settings>;
  return {
    mode: value.mode === 'overlay' ? 'overlay' : 'offset',
    bins: BIN_CHOICES.includes(Number(value.bins)) ? Number(value.bins) : DEFAULT_SETTINGS.bins,
  };
}

export default function HistogramsView({ plugin, label }: ViewProps) {
  const tick = usePollTick(REFRESH_MS);
  const theme = useThemeName();
  const [settings, setSettings] = useStoredState(
    'torchscope.histograms',
    DEFAULT_SETTINGS,
    sanitizeSettings,
  );
  const { runs, tags, entries, error } = usePluginTags<HistogramTags>(plugin, tick);
  return (
    <RunTagDashboard
      name="histograms"
      label={label}
      entries={entries}
      runOrder={runs}
      error={error}
      pollTick={tick}
      cardHeight={310}
      renderCard={({ run, tag }, color) => (
        <HistogramCard
          plugin={plugin}
          run={run}
          tag={tag}
          color={color}
          description={tags?.[run]?.[tag]?.description ?? ''}
          mode={settings.mode}
          bins={settings.bins}
          theme={theme}
          pollTick={tick}
        />
      )}
    >
      <fieldset>
        <legend>Mode</legend>
        <div class="segmented">
          {(['offset', 'overlay'] as const).map((mode) => (
            <label key={mode}>
              <input
                type="radio"
                name="histogram-mode"
                value={mode}
                checked={settings.mode === mode}
                onChange={() => setSettings({ ...settings, mode })}
              />
              {mode === 'offset' ? 'Offset' : 'Overlay'}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="filter-input">
        <label for="histogram-bins">Bins</label>
        <select
          id="histogram-bins"
          value={settings.bins}
          onChange={(event) =>
            setSettings({ ...settings, bins: Number((event.target as HTMLSelectElement).value) })
          }
        >
          {BIN_CHOICES.map((bins) => (
            <option key={bins} value={bins}>
              {bins}
            </option>
          ))}
        </select>
      </div>
    </RunTagDashboard>
  );
}
