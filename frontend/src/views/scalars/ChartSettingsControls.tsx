// The chart settings the Scalars and Custom Scalars views share: smoothing, horizontal axis and
// outlier-proof scaling.
import type { ScalarSettings } from './ScalarCard';
import { X_AXIS_LABELS, type XAxisKind } from './model';

interface Props {
  /** Prefix of the controls' element ids (each view keeps its own, for labels and tests). */
  idPrefix: string;
  settings: ScalarSettings;
  update: (change: Partial<ScalarSettings>) => void;
}

export function ChartSettingsControls({ idPrefix, settings, update }: Props) {
  return (
    <>
      <div>
        <label for={`${idPrefix}-smoothing`}>
          <strong>Smoothing</strong>
        </label>
        <div class="setting-row">
          <input
            id={`${idPrefix}-smoothing`}
            type="range"
            min={0}
            max={0.999}
            step={0.001}
            value={settings.smoothing}
            aria-valuetext={settings.smoothing.toFixed(3)}
            onInput={(event) =>
              update({ smoothing: Number((event.target as HTMLInputElement).value) })
            }
          />
          <span class="setting-value" aria-hidden="true">
            {settings.smoothing.toFixed(3)}
          </span>
        </div>
      </div>
      <div class="filter-input">
        <label for={`${idPrefix}-x-axis`}>Horizontal axis</label>
        <select
          id={`${idPrefix}-x-axis`}
          value={settings.xKind}
          onChange={(event) =>
            update({ xKind: (event.target as HTMLSelectElement).value as XAxisKind })
          }
        >
          {(Object.keys(X_AXIS_LABELS) as XAxisKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {X_AXIS_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
      <label class="setting-row">
        <input
          type="checkbox"
          checked={settings.ignoreOutliers}
          onChange={(event) =>
            update({ ignoreOutliers: (event.target as HTMLInputElement).checked })
          }
        />
        Ignore outliers in chart scaling
      </label>
    </>
  );
}
