// The Live view: Visdom's windows, pushed over /socket, in a grid the user arranges.
//
// One env at a time, or several compared side by side; panes can be dragged, resized, closed
// (the server removes the window and tells the Python clients), and their layout saved as a
// named view. Every plot type Visdom makes is drawn with a lazily loaded plotly.js.
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from 'preact/hooks';
import type { ViewProps } from '../types';
import { fetchWindow, LiveConnection, type LinkState } from './connection';
import { WindowSet } from './windows';
import {
  applyView,
  type Arrangement,
  arrange,
  layoutItem,
  moved,
  parseViews,
  type SavedViews,
  type Size,
  withoutView,
  withView,
} from './layout';
import { Pane } from './Pane';
import { PaneContent } from './PaneContent';
import {
  DEFAULT_ENV,
  initialSelection,
  rememberSelection,
  selectionEnv,
  selectionInHash,
  selectionKey,
} from './selection';
import { Toolbar } from './Toolbar';
import type { LayoutItem, PaneEvent, Selection, ServerMessage, WindowDoc } from './types';
import './live.css';

/** Compare views are rebuilt by the server; changes to compared envs are batched this long. */
const COMPARE_REFRESH_MS = 1000;
const EMPTY_ARRANGEMENT: Arrangement = { order: [], sizes: {} };

/** Windows a compare view is made of (the server renames merged windows `<id>_compare`). */
function isCompareWindow(doc: WindowDoc): boolean {
  return doc.id.endsWith('_compare') || doc.has_compare === true;
}

/** A case-insensitive regular expression for the pane filter, or a plain substring match. */
function paneMatcher(filter: string): (title: string) => boolean {
  const text = filter.trim();
  if (!text) return () => true;
  try {
    const pattern = new RegExp(text, 'i');
    return (title) => pattern.test(title);
  } catch {
    const lower = text.toLowerCase();
    return (title) => title.toLowerCase().includes(lower);
  }
}

export default function LiveView(_props: ViewProps) {
  const [selection, setSelection] = useState<Selection>(initialSelection);
  const [envs, setEnvs] = useState<string[]>([]);
  const [link, setLink] = useState<LinkState>('connecting');
  const [readonly, setReadonly] = useState(false);
  const [views, setViews] = useState<SavedViews>({});
  const [reload, setReload] = useState<Record<string, LayoutItem>>({});
  const [loaded, setLoaded] = useState(false);
  const [userArrangement, setUserArrangement] = useState<Arrangement>(EMPTY_ARRANGEMENT);
  const [currentView, setCurrentView] = useState('');
  const [filter, setFilter] = useState('');
  const [, redraw] = useReducer((n: number, _: number) => n + 1, 0);

  const selectionRef = useRef(selection);
  selectionRef.current = selection;

  const windows = useMemo(
    () =>
      new WindowSet((win, points, range) => {
        const current = selectionRef.current;
        return current.kind === 'env'
          ? fetchWindow(current.eid, win, points, range)
          : Promise.resolve(null);
      }),
    [],
  );
  useEffect(() => windows.subscribe(() => redraw(0)), [windows]);

  const compareTimer = useRef<number | undefined>(undefined);
  const connection = useMemo(() => {
    const scheduleCompareRefresh = () => {
      window.clearTimeout(compareTimer.current);
      compareTimer.current = window.setTimeout(
        () => void connectionRef.current?.refresh(),
        COMPARE_REFRESH_MS,
      );
    };
    const onMessage = (message: ServerMessage) => {
      const comparing = selectionRef.current.kind === 'compare';
      switch (message.command) {
        case 'env_update':
          setEnvs([...message.data].sort());
          break;
        case 'layout_update':
          setViews(parseViews(message.data));
          break;
        case 'reload':
          setReload(message.data ?? {});
          break;
        case 'window':
          if (comparing && !isCompareWindow(message)) scheduleCompareRefresh();
          else windows.put(message);
          break;
        case 'window_update':
          if (comparing) scheduleCompareRefresh();
          else if (message.env === undefined || message.env === selectionEnv(selectionRef.current))
            windows.patch(message.win, message.content, message.version);
          break;
        case 'close':
          if (comparing) scheduleCompareRefresh();
          else windows.remove(message.data);
          break;
      }
    };
    const onStreamStart = () => {
      windows.clear();
      setLoaded(false);
      setReload({});
    };
    return new LiveConnection(
      onMessage,
      (state, isReadonly) => {
        setLink(state);
        setReadonly(isReadonly);
      },
      onStreamStart,
      () => setLoaded(true),
    );
  }, [windows]);
  const connectionRef = useRef<LiveConnection | null>(connection);
  connectionRef.current = connection;

  useEffect(() => {
    connection.start();
    return () => {
      window.clearTimeout(compareTimer.current);
      connection.stop();
    };
  }, [connection]);

  // Open what is selected, and remember it in the URL.
  useEffect(() => {
    setUserArrangement(EMPTY_ARRANGEMENT);
    setCurrentView('');
    rememberSelection(selection);
    void connection.select(selection).catch(() => undefined);
  }, [connection, selectionKey(selection)]);

  // An edited address, or back/forward, can name another env. A layout effect: it listens
  // before the effect above first writes the selection into the hash, so an address changed
  // while the view starts is followed, not overwritten.
  useLayoutEffect(() => {
    const follow = () => {
      const asked = selectionInHash();
      if (asked && selectionKey(asked) !== selectionKey(selectionRef.current)) setSelection(asked);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  // The env on screen was deleted (here or elsewhere): fall back to the default env. An env
  // the list has not shown yet (one just forked) is not a deleted one.
  const previousEnvs = useRef<string[]>([]);
  useEffect(() => {
    const eid = selection.kind === 'env' ? selection.eid : null;
    if (eid !== null && previousEnvs.current.includes(eid) && !envs.includes(eid)) {
      setSelection({ kind: 'env', eid: DEFAULT_ENV });
    }
    previousEnvs.current = envs;
  }, [envs]);

  const list = windows.list();
  const docs = list.map((entry) => entry.doc);
  const arrangement = arrange(docs, userArrangement, reload);
  const env = selectionEnv(selection);
  const envMode = selection.kind === 'env';

  /** Store an arrangement the user made; the server remembers it per env (layout items). */
  const commitArrangement = useCallback(
    (next: Arrangement, changed: string[]) => {
      setUserArrangement(next);
      setCurrentView('');
      if (!envMode || readonly) return;
      for (const win of changed) {
        connection.send({ cmd: 'layout_item_update', eid: env, win, data: layoutItem(next, win) });
      }
    },
    [connection, env, envMode, readonly],
  );

  const matches = paneMatcher(filter);
  const byId = new Map(list.map((entry) => [entry.doc.id, entry]));
  const visible = arrangement.order
    .map((id) => byId.get(id))
    .filter((entry): entry is NonNullable<typeof entry> => Boolean(entry))
    .filter((entry) => matches(String(entry.doc.title ?? '') || entry.doc.id));

  const onMove = (win: string, index: number) => {
    // `index` counts visible panes: place the pane before the visible pane now at that index.
    const anchor = visible.filter((entry) => entry.doc.id !== win)[index]?.doc.id;
    const without = arrangement.order.filter((id) => id !== win);
    const at = anchor === undefined ? without.length : without.indexOf(anchor);
    const order = moved(arrangement.order, win, at);
    if (order.join('\n') === arrangement.order.join('\n')) return;
    commitArrangement({ ...arrangement, order }, order);
  };

  const onResize = (win: string, size: Size) => {
    commitArrangement({ ...arrangement, sizes: { ...arrangement.sizes, [win]: size } }, [win]);
  };

  const onClose = (win: string) => {
    // Keep the keyboard focus in the grid: on the next pane, or the previous one.
    const at = visible.findIndex((entry) => entry.doc.id === win);
    const neighbour = visible[at + 1] ?? visible[at - 1];
    if (neighbour) {
      document
        .querySelector<HTMLElement>(`.live-pane[data-window-id="${CSS.escape(neighbour.doc.id)}"]`)
        ?.focus();
    }
    windows.remove(win);
    if (envMode) connection.send({ cmd: 'close', data: win, eid: env });
  };

  const onEvent = (win: string, event: PaneEvent) => {
    if (envMode && !readonly) connection.forward(env, win, event);
  };

  const onFork = (name: string) => {
    const items: Record<string, LayoutItem> = {};
    for (const win of arrangement.order) items[win] = layoutItem(arrangement, win);
    connection.send({ cmd: 'save', data: items, prev_eid: env, eid: name });
    if (name !== env) setSelection({ kind: 'env', eid: name });
  };

  const onDeleteEnv = () => {
    connection.send({ cmd: 'delete_env', eid: env, prev_eid: env });
    setSelection({ kind: 'env', eid: DEFAULT_ENV });
  };

  const envViews = views[env] ?? {};
  const onApplyView = (name: string) => {
    const view = envViews[name];
    if (view) {
      // The restored arrangement becomes the env's live one (what a reload shows).
      const next = applyView(arrangement, view);
      commitArrangement(next, next.order);
    }
    setCurrentView(name);
  };
  const saveViews = (next: SavedViews) => {
    setViews(next);
    connection.send({ cmd: 'save_layouts', data: JSON.stringify(next) });
  };

  return (
    <div class="live-view">
      <Toolbar
        envs={envs}
        selection={selection}
        readonly={readonly}
        link={link}
        paneCount={list.length}
        viewNames={Object.keys(envViews).sort()}
        currentView={currentView}
        filter={filter}
        onSelect={setSelection}
        onFork={onFork}
        onDeleteEnv={onDeleteEnv}
        onApplyView={onApplyView}
        onSaveView={(name) => {
          saveViews(withView(views, env, name, arrangement));
          setCurrentView(name);
        }}
        onDeleteView={(name) => {
          saveViews(withoutView(views, env, name));
          setCurrentView('');
        }}
        onFilter={setFilter}
      />
      <div
        class="live-grid"
        data-loaded={loaded ? selectionKey(selection) : undefined}
        aria-busy={!loaded}
      >
        {visible.map((entry, index) => (
          <Pane
            key={entry.doc.id}
            doc={entry.doc}
            size={arrangement.sizes[entry.doc.id]}
            index={index}
            readonly={readonly || !envMode}
            onClose={onClose}
            onEvent={onEvent}
            onMove={onMove}
            onResize={onResize}
          >
            <PaneContent
              doc={entry.doc}
              rev={entry.rev}
              readonly={readonly || !envMode}
              onEvent={(event) => onEvent(entry.doc.id, event)}
              onDetail={envMode ? (detail) => windows.setDetail(entry.doc.id, detail) : undefined}
              projectorRun={envMode ? `live:${env}/${entry.doc.id}` : undefined}
              onEmbeddingsBack={() =>
                connection.send({
                  cmd: 'pop_embeddings_pane',
                  data: { target: entry.doc.id, eid: env },
                })
              }
            />
          </Pane>
        ))}
        {loaded && list.length === 0 && (
          <div class="panel live-empty">
            <h1>No windows in “{env}” yet</h1>
            <p>Send some from Python, with the same calls as Visdom:</p>
            <pre>
              <code>{`import torchscope            # or: import visdom
vis = torchscope.Visdom(env=${JSON.stringify(selection.kind === 'env' ? selection.eid : DEFAULT_ENV)})
vis.line(Y=[loss], X=[step], win="loss", update="append")`}</code>
            </pre>
          </div>
        )}
        {loaded && list.length > 0 && visible.length === 0 && (
          <p class="live-note">No pane title matches “{filter}”.</p>
        )}
      </div>
    </div>
  );
}
