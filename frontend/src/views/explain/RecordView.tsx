// One explanation record, interactive: the input with the selected method's map overlaid (and
// its opacity), every method side by side, and the top predictions as a target picker. Shared by
// the Explain view's cards and the Live view's "explain" panes.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Overlay } from './Overlay';
import {
  className,
  type ExplanationRecord,
  methodLabel,
  pickable,
  targetsOf,
} from './record';

interface Props {
  record: ExplanationRecord;
  /** Unique prefix of the element ids inside (several records share a page). */
  idPrefix: string;
}

const DEFAULT_OPACITY = 0.5;

function percent(probability: number): string {
  return Number.isFinite(probability) ? `${(probability * 100).toFixed(1)}%` : '–';
}

export function RecordView({ record, idPrefix }: Props) {
  const targets = useMemo(() => targetsOf(record), [record]);
  const choices = useMemo(() => pickable(record), [record]);
  const methods = record.methods;
  const [method, setMethod] = useState(methods[0]);
  const [targetIndex, setTargetIndex] = useState(targets[0].index);
  const [opacity, setOpacity] = useState(DEFAULT_OPACITY);

  // A new record (another step) keeps the reader's choices when it can.
  useEffect(() => {
    if (!methods.includes(method)) setMethod(methods[0]);
    if (!targets.some((t) => t.index === targetIndex)) setTargetIndex(targets[0].index);
  }, [record]);

  const target = targets.find((t) => t.index === targetIndex) ?? targets[0];
  const shownMethod = methods.includes(method) ? method : methods[0];
  const size = Math.max(record.image.width, record.image.height);
  const opacityId = `${idPrefix}-opacity`;

  return (
    <div class="explain-record" data-target={target.index} data-method={shownMethod}>
      <div class="explain-top">
        <figure class="explain-main">
          <Overlay
            image={record.image.png}
            map={target.maps[shownMethod] ?? null}
            opacity={opacity}
            size={size}
            label={`${methodLabel(shownMethod)} for ${className(target)}`}
            class="explain-main-overlay"
          />
          <figcaption>
            {methodLabel(shownMethod)} · {className(target)}
          </figcaption>
          <div class="setting-row">
            <label for={opacityId}>Opacity</label>
            <input
              id={opacityId}
              class="explain-opacity"
              type="range"
              min={0}
              max={100}
              step={1}
              value={Math.round(opacity * 100)}
              onInput={(event) =>
                setOpacity(Number((event.target as HTMLInputElement).value) / 100)
              }
            />
            <span class="setting-value">{Math.round(opacity * 100)}%</span>
          </div>
        </figure>
        <div class="explain-targets" role="group" aria-label="Target class">
          <h4>Target</h4>
          <ol>
            {choices.map((choice) => {
              const held = targets.some((t) => t.index === choice.index);
              return (
                <li key={choice.index}>
                  <button
                    type="button"
                    class="explain-target"
                    data-index={choice.index}
                    aria-pressed={choice.index === target.index}
                    disabled={!held}
                    title={held ? undefined : 'No maps were logged for this class'}
                    onClick={() => setTargetIndex(choice.index)}
                  >
                    <span class="explain-target-name">{className(choice)}</span>
                    <span class="explain-target-p">{percent(choice.probability)}</span>
                    <span
                      class="explain-target-bar"
                      style={{
                        width: `${Number.isFinite(choice.probability) ? choice.probability * 100 : 0}%`,
                      }}
                    />
                  </button>
                </li>
              );
            })}
          </ol>
          {targets.length === 1 && (
            <p class="card-note explain-target-note">
              Maps were logged for {className(targets[0])} only.
            </p>
          )}
        </div>
      </div>
      <div class="explain-methods" role="group" aria-label="Methods">
        {methods.map((name) => (
          <button
            type="button"
            key={name}
            class="explain-method"
            data-method={name}
            aria-pressed={name === shownMethod}
            onClick={() => setMethod(name)}
          >
            <Overlay
              image={record.image.png}
              map={target.maps[name] ?? null}
              opacity={opacity}
              size={size}
              label={`${methodLabel(name)} for ${className(target)}`}
            />
            <span>{methodLabel(name)}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
