// Properties panes: a table of named values the user can edit. Each edit goes to the Python
// client's callbacks as a PropertyUpdate event (Visdom's values and types: text and numbers as
// typed, checkboxes as booleans, a select's option index as a string, buttons as "clicked").
// The pane shows the edit at once; the client usually answers by sending the properties again.
import { useEffect, useState } from 'preact/hooks';
import type { PaneEvent, PropertyDoc } from '../types';
import { readOnlyTitle } from '../readonly';

interface Props {
  properties: PropertyDoc[];
  rev: number;
  readonly: boolean;
  onEvent: (event: PaneEvent) => void;
}

const NUMBER = /^-?[0-9]*([.][0-9]*)?([eE][-+]?[0-9]+)?$/;

function TextValue(props: {
  value: unknown;
  numeric: boolean;
  label: string;
  disabled: boolean;
  onCommit: (value: string) => void;
}) {
  const shown = props.value === null || props.value === undefined ? '' : String(props.value);
  const [draft, setDraft] = useState(shown);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setDraft(shown);
  }, [shown, editing]);
  const commit = () => {
    setEditing(false);
    if (draft !== shown) props.onCommit(draft);
  };
  const invalid = props.numeric && !NUMBER.test(draft);
  return (
    <input
      type="text"
      inputMode={props.numeric ? 'decimal' : undefined}
      aria-label={props.label}
      aria-invalid={invalid}
      value={draft}
      disabled={props.disabled}
      title={readOnlyTitle(props.disabled)}
      onFocus={() => setEditing(true)}
      onInput={(event) => setDraft((event.target as HTMLInputElement).value)}
      onBlur={() => (invalid ? (setDraft(shown), setEditing(false)) : commit())}
      onKeyDown={(event) => {
        if (event.key === 'Enter' && !invalid) (event.target as HTMLInputElement).blur();
        if (event.key === 'Escape') {
          setDraft(shown);
          setEditing(false);
        }
      }}
    />
  );
}

export function PropertiesPane({ properties, rev, readonly, onEvent }: Props) {
  // Local edits, shown until the server's next version of the pane.
  const [edits, setEdits] = useState<Record<number, unknown>>({});
  useEffect(() => setEdits({}), [rev]);

  const update = (propertyId: number, value: unknown, keep = true) => {
    if (keep) setEdits((old) => ({ ...old, [propertyId]: value }));
    onEvent({ event_type: 'PropertyUpdate', propertyId, value });
  };

  return (
    <table class="live-properties">
      <tbody>
        {properties.map((prop, id) => {
          const value = id in edits ? edits[id] : prop.value;
          const label = String(prop.name);
          let control;
          switch (prop.type) {
            case 'number':
            case 'text':
              control = (
                <TextValue
                  value={value}
                  numeric={prop.type === 'number'}
                  label={label}
                  disabled={readonly}
                  onCommit={(next) => update(id, next)}
                />
              );
              break;
            case 'button':
              control = (
                <button
                  type="button"
                  class="button button-small"
                  disabled={readonly}
                  title={readOnlyTitle(readonly)}
                  onClick={() => update(id, 'clicked', false)}
                >
                  {String(prop.value)}
                </button>
              );
              break;
            case 'checkbox':
              control = (
                <input
                  type="checkbox"
                  aria-label={label}
                  checked={Boolean(value)}
                  disabled={readonly}
                  title={readOnlyTitle(readonly)}
                  onChange={() => update(id, !value)}
                />
              );
              break;
            case 'select':
              control = (
                <select
                  aria-label={label}
                  value={String(value)}
                  disabled={readonly}
                  title={readOnlyTitle(readonly)}
                  onChange={(event) => update(id, (event.target as HTMLSelectElement).value)}
                >
                  {(prop.values ?? []).map((option, index) => (
                    <option key={index} value={String(index)}>
                      {String(option)}
                    </option>
                  ))}
                </select>
              );
              break;
            default:
              control = <span>{String(value)}</span>;
          }
          return (
            <tr key={id}>
              <th scope="row">{label}</th>
              <td>{control}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
