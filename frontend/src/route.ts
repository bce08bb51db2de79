// The selected view lives in the URL hash (#/scalars), so reload, bookmarks and back/forward work.
import { useEffect, useState } from 'preact/hooks';

/** The view name in a hash such as `#/scalars`, or null for the home page. */
export function viewFromHash(hash: string): string | null {
  const match = /^#\/([^/?#]+)/.exec(hash);
  return match ? decodeURIComponent(match[1]) : null;
}

/**
 * Link to a view. Built from the current path rather than a bare "#/x": with a <base> element a
 * bare fragment would resolve against the base URL and reload the page from a deeper path.
 */
export function viewHref(name: string | null): string {
  const { pathname, search } = window.location;
  return `${pathname}${search}#/${name === null ? '' : encodeURIComponent(name)}`;
}

/** The view named by the hash, kept up to date on link clicks and back/forward. */
export function useHashView(): string | null {
  const [view, setView] = useState(() => viewFromHash(window.location.hash));
  useEffect(() => {
    const update = () => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return view;
}
