// The Live view's controls: env picker, compare, save/fork, delete, saved views, pane filter.
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiUrl } from '../../api';
import type { LinkState } from './connection';
import type { Selection } from './types';
import { readOnlyTitle } from './readonly';

interface Props {
  envs: string[];
  selection: Selection;
  readonly: boolean;
  link: LinkState;
  paneCount: number;
  viewNames: string[];
  currentView: string;
  filter: string;
  onSelect: (selection: Selection) => void;
  onFork: (name: string) => void;
  onDeleteEnv: () => void;
  onApplyView: (name: string) => void;
  onSaveView: (name: string) => void;
  onDeleteView: (name: string) => void;
  onFilter: (text: string) => void;
}

function value(event: Event): string {
  return (event.target as HTMLInputElement | HTMLSelectElement).value;
}

/** A <details> dropdown that closes when its action is done or on Escape. */
function useDisclosure() {
  const ref = useRef<HTMLDetailsElement>(null);
  const close = () => {
    if (ref.current) ref.current.open = false;
  };
  return { ref, close };
}

function CompareMenu({
  envs,
  selection,
  onSelect,
}: Pick<Props, 'envs' | 'selection' | 'onSelect'>) {
  const menu = useDisclosure();
  const [picked, setPicked] = useState<string[]>(
    selection.kind === 'compare' ? selection.eids : [selection.eid],
  );
  useEffect(
    () => setPicked(selection.kind === 'compare' ? selection.eids : [selection.eid]),
    [selection],
  );
  const toggle = (eid: string) =>
    setPicked((old) => (old.includes(eid) ? old.filter((e) => e !== eid) : [...old, eid]));
  return (
    <details class="live-menu" ref={menu.ref}>
      <summary class="button">Compare…</summary>
      <form
        class="live-menu-body"
        onSubmit={(event) => {
          event.preventDefault();
          const eids = envs.filter((eid) => picked.includes(eid));
          if (eids.length > 1) {
            onSelect({ kind: 'compare', eids });
            menu.close();
          }
        }}
      >
        <fieldset>
          <legend>Envs to compare side by side</legend>
          {envs.map((eid) => (
            <label key={eid} class="live-check">
              <input type="checkbox" checked={picked.includes(eid)} onChange={() => toggle(eid)} />
              {eid}
            </label>
          ))}
        </fieldset>
        <p class="live-note">
          Plots with the same title are merged; trace names get the env's number.
        </p>
        <button
          type="submit"
          class="button"
          disabled={picked.filter((e) => envs.includes(e)).length < 2}
        >
          Compare {picked.filter((e) => envs.includes(e)).length} envs
        </button>
      </form>
    </details>
  );
}

function NameMenu(props: {
  label: string;
  title: string;
  initial: string;
  action: string;
  onDone: (name: string) => void;
  disabled?: boolean;
}) {
  const menu = useDisclosure();
  const [name, setName] = useState(props.initial);
  useEffect(() => setName(props.initial), [props.initial]);
  return (
    <details class="live-menu" ref={menu.ref}>
      <summary class="button" aria-disabled={props.disabled} title={readOnlyTitle(props.disabled)}>
        {props.label}
      </summary>
      <form
        class="live-menu-body"
        onSubmit={(event) => {
          event.preventDefault();
          const trimmed = name.trim();
          if (!trimmed || props.disabled) return;
          props.onDone(trimmed);
          menu.close();
        }}
      >
        <label class="live-field">
          {props.title}
          <input type="text" value={name} onInput={(event) => setName(value(event))} required />
        </label>
        <button type="submit" class="button" disabled={props.disabled || !name.trim()}>
          {props.action}
        </button>
      </form>
    </details>
  );
}

function DeleteMenu({
  eid,
  onDelete,
  disabled,
}: {
  eid: string;
  onDelete: () => void;
  disabled: boolean;
}) {
  const menu = useDisclosure();
  return (
    <details class="live-menu" ref={menu.ref}>
      <summary class="button" aria-disabled={disabled} title={readOnlyTitle(disabled)}>
        Delete…
      </summary>
      <div class="live-menu-body">
        <p>
          Delete env <strong>{eid}</strong>, its windows and its saved file?
        </p>
        <button
          type="button"
          class="button live-danger"
          disabled={disabled}
          onClick={() => {
            onDelete();
            menu.close();
          }}
        >
          Delete {eid}
        </button>
      </div>
    </details>
  );
}

/** Formats an env downloads as: Visdom's env file, or a page that opens offline. */
const EXPORT_FORMATS = [
  { format: 'json', label: 'Visdom JSON' },
  { format: 'html', label: 'HTML (opens offline)' },
] as const;

function ExportMenu({ eid }: { eid: string }) {
  const menu = useDisclosure();
  return (
    <details class="live-menu live-export" ref={menu.ref}>
      <summary class="button">Export env</summary>
      <div class="live-menu-body">
        <p>
          Download <strong>{eid}</strong> with every point:
        </p>
        {EXPORT_FORMATS.map(({ format, label }) => (
          <a
            key={format}
            class="button"
            data-format={format}
            download
            href={apiUrl(`data/plugin/live/export?${new URLSearchParams({ env: eid, format })}`)}
            onClick={menu.close}
          >
            {label}
          </a>
        ))}
      </div>
    </details>
  );
}

const LINK_LABEL: Record<LinkState, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  offline: 'Reconnecting…',
};

/** Close the toolbar's open menus on a click elsewhere or on Escape, as menus do. */
function useMenusCloseOutside(toolbar: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const closeOthers = (keep: EventTarget | null) => {
      for (const menu of toolbar.current?.querySelectorAll<HTMLDetailsElement>('details[open]') ??
        []) {
        if (!(keep instanceof Node) || !menu.contains(keep)) menu.open = false;
      }
    };
    const onPointer = (event: PointerEvent) => closeOthers(event.target);
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') closeOthers(null);
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [toolbar]);
}

export function Toolbar(props: Props) {
  const { envs, selection, readonly } = props;
  const comparing = selection.kind === 'compare';
  const eid = selection.kind === 'env' ? selection.eid : '';
  const options = comparing || envs.includes(eid) ? envs : [...envs, eid].sort();
  const toolbar = useRef<HTMLDivElement>(null);
  useMenusCloseOutside(toolbar);
  return (
    <div class="live-toolbar" role="toolbar" aria-label="Live plots" ref={toolbar}>
      <label class="live-field live-env">
        <span>Env</span>
        <select
          aria-label="Environment"
          value={comparing ? '' : eid}
          onChange={(event) => props.onSelect({ kind: 'env', eid: value(event) })}
        >
          {comparing && <option value="">{selection.eids.join(' + ')}</option>}
          {options.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <CompareMenu envs={envs} selection={selection} onSelect={props.onSelect} />
      {comparing ? (
        <button
          type="button"
          class="button"
          onClick={() => props.onSelect({ kind: 'env', eid: selection.eids[0] })}
        >
          Stop comparing
        </button>
      ) : (
        <>
          <NameMenu
            label="Save / fork…"
            title="Save this env (with its layout) as"
            initial={eid}
            action="Save"
            disabled={readonly}
            onDone={props.onFork}
          />
          <DeleteMenu eid={eid} onDelete={props.onDeleteEnv} disabled={readonly} />
          <ExportMenu eid={eid} />
        </>
      )}
      <span class="live-toolbar-gap" />
      {!comparing && (
        <>
          <label class="live-field">
            <span>View</span>
            <select
              aria-label="Saved view"
              value={props.currentView}
              onChange={(event) => props.onApplyView(value(event))}
            >
              <option value="">current layout</option>
              {props.viewNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <NameMenu
            label="Save view…"
            title="Save the pane layout as the view"
            initial={props.currentView || 'my view'}
            action="Save view"
            disabled={readonly}
            onDone={props.onSaveView}
          />
          {props.currentView && (
            <button
              type="button"
              class="button"
              disabled={readonly}
              title={readOnlyTitle(readonly)}
              onClick={() => props.onDeleteView(props.currentView)}
            >
              Delete view
            </button>
          )}
        </>
      )}
      <input
        type="search"
        class="live-filter"
        placeholder="Filter panes (regex)"
        aria-label="Filter panes by title"
        value={props.filter}
        onInput={(event) => props.onFilter(value(event))}
      />
      <span class="live-status" data-state={props.link}>
        <span class="live-status-dot" aria-hidden="true" />
        {LINK_LABEL[props.link]} · {props.paneCount} {props.paneCount === 1 ? 'pane' : 'panes'}
        {readonly && ' · read-only'}
      </span>
    </div>
  );
}
