// Which env the page shows, kept in the URL so reloads and bookmarks return to it:
// `#/live?env=NAME` or `#/live?compare=A+B`. Visdom's own addresses (`/env/NAME`,
// `/compare/A+B`) open the same thing.
import type { Selection } from './types';

export const DEFAULT_ENV = 'main';

function fromVisdomPath(): Selection | null {
  const base = new URL(document.baseURI).pathname;
  const path = window.location.pathname;
  if (!path.startsWith(base)) return null;
  const rest = path.slice(base.length);
  const env = /^env\/(.+)$/.exec(rest);
  if (env) return { kind: 'env', eid: decodeURIComponent(env[1]) };
  const compare = /^compare\/(.+)$/.exec(rest);
  if (compare) {
    const eids = compare[1].split('+').filter(Boolean).map(decodeURIComponent);
    return eids.length > 1
      ? { kind: 'compare', eids }
      : eids.length
        ? { kind: 'env', eid: eids[0] }
        : null;
  }
  return null;
}

/** What this page showed last, for when the user comes back from another tab. */
let lastShown: Selection | null = null;

/** The selection the URL's hash asks for, if any. */
export function selectionInHash(): Selection | null {
  const query = window.location.hash.split('?')[1] ?? '';
  const params = new URLSearchParams(query);
  const compare = params.get('compare');
  if (compare) {
    const eids = compare.split(' ').join('+').split('+').filter(Boolean);
    if (eids.length > 1) return { kind: 'compare', eids };
  }
  const env = params.get('env');
  return env ? { kind: 'env', eid: env } : null;
}

/** The selection the URL asks for, else the one shown last, else the default env. */
export function initialSelection(): Selection {
  return selectionInHash() ?? lastShown ?? fromVisdomPath() ?? { kind: 'env', eid: DEFAULT_ENV };
}

/** Put `selection` in the URL's hash (no navigation, no history entry). */
export function rememberSelection(selection: Selection): void {
  lastShown = selection;
  const [view] = window.location.hash.split('?');
  const params = new URLSearchParams();
  if (selection.kind === 'env') params.set('env', selection.eid);
  else params.set('compare', selection.eids.join('+'));
  const hash = `${view || '#/live'}?${params.toString()}`;
  // A full URL: a bare "#..." would resolve against <base href> and change the path.
  const { pathname, search } = window.location;
  if (hash !== window.location.hash)
    history.replaceState(history.state, '', pathname + search + hash);
}

/** A stable key for what is shown (env or compare set). */
export function selectionKey(selection: Selection): string {
  return selection.kind === 'env' ? `env:${selection.eid}` : `compare:${selection.eids.join('+')}`;
}

/** The env that commands about "this env" (save, delete, layouts) concern. */
export function selectionEnv(selection: Selection): string {
  return selection.kind === 'env' ? selection.eid : selection.eids.join('+');
}
