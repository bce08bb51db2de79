// Small hooks the views share: visibility on screen, polling, the theme, remembered settings.
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJSON } from '../api';
import { isAbort } from './http';

// One observer for every lazy card: thousands of cards cost one observer, not thousands.
type InViewListener = (inView: boolean) => void;
const inViewListeners = new WeakMap<Element, InViewListener>();
let sharedObserver: IntersectionObserver | null = null;

function observer(): IntersectionObserver {
  sharedObserver ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) inViewListeners.get(entry.target)?.(entry.isIntersecting);
    },
    // Start drawing a little before a card scrolls in, so scrolling shows finished charts.
    { rootMargin: '300px 0px' },
  );
  return sharedObserver;
}

/** Whether the element is on (or near) the screen; cards draw their content only then. */
export function useInView(ref: RefObject<Element | null>): boolean {
  const [inView, setInView] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    inViewListeners.set(element, setInView);
    observer().observe(element);
    return () => {
      observer().unobserve(element);
      inViewListeners.delete(element);
    };
  }, [ref]);
  return inView;
}

/** Whether the page is visible (not a background tab, not minimized). */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const follow = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', follow);
    return () => document.removeEventListener('visibilitychange', follow);
  }, []);
  return visible;
}

/**
 * A counter that goes up every `intervalMs` while `enabled` and the page is visible (and once
 * when the page becomes visible again): put it in an effect's dependencies to refresh data.
 */
export function usePollTick(intervalMs: number, enabled = true): number {
  const visible = usePageVisible();
  const [tick, setTick] = useState(0);
  const wasVisible = useRef(visible);
  useEffect(() => {
    if (!enabled || !visible) {
      wasVisible.current = visible;
      return;
    }
    if (!wasVisible.current) setTick((value) => value + 1); // catch up on what was missed
    wasVisible.current = true;
    const timer = window.setInterval(() => setTick((value) => value + 1), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs, enabled, visible]);
  return tick;
}

/** The theme in effect ("light" or "dark"), following the shell's `data-theme` on <html>. */
export function useThemeName(): string {
  const read = () => document.documentElement.dataset.theme ?? 'light';
  const [theme, setTheme] = useState(read);
  useEffect(() => {
    const watcher = new MutationObserver(() => setTheme(read()));
    watcher.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
    return () => watcher.disconnect();
  }, []);
  return theme;
}

/** A value of the shell's theme, such as `cssVar('--text')`. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * State remembered in localStorage under `key`. `sanitize` turns what was stored (possibly by
 * an older version, or edited by hand) into a valid value.
 */
export function useStoredState<T>(
  key: string,
  initial: T,
  sanitize: (stored: unknown) => T,
): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? initial : sanitize(JSON.parse(raw));
    } catch {
      return initial;
    }
  });
  const store = (next: T) => {
    setValue(next);
    try {
      window.localStorage.setItem(key, JSON.stringify(next));
    } catch {
      // Storage can be disabled or full: the setting still applies to this page.
    }
  };
  return [value, store];
}

/**
 * The JSON answers of `paths`, fetched again whenever `tick` changes; the last good answer
 * stays while a refresh is under way or fails.
 */
export function usePolledJSON<T extends unknown[]>(
  paths: string[],
  tick: number,
): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({
    data: null,
    error: null,
  });
  const key = paths.join('\n');
  const lastText = useRef('');
  useEffect(() => {
    const abort = new AbortController();
    Promise.all(paths.map((path) => getJSON<unknown>(path, { signal: abort.signal }))).then(
      (answers) => {
        // An unchanged answer keeps its identity, so the cards below are not re-rendered.
        const text = JSON.stringify(answers);
        if (text === lastText.current) {
          setState((previous) => (previous.error ? { ...previous, error: null } : previous));
          return;
        }
        lastText.current = text;
        setState({ data: answers as T, error: null });
      },
      (reason: unknown) => {
        if (abort.signal.aborted) return;
        const error = reason instanceof Error ? reason.message : String(reason);
        setState((previous) => ({ data: previous.data, error }));
      },
    );
    return () => abort.abort();
  }, [key, tick]);
  return state;
}

/**
 * A card's data: the JSON at `path`, fetched once the card is on (or near) the screen and again
 * whenever `tick` changes; the last good answer stays while a refresh fails.
 */
export function useJSONInView<T>(
  path: string,
  inView: boolean,
  tick: number,
): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!inView) return;
    const abort = new AbortController();
    getJSON<T>(path, { signal: abort.signal }).then(
      (answer) => {
        setData(answer);
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(reason instanceof Error ? reason.message : String(reason));
      },
    );
    return () => abort.abort();
  }, [inView, path, tick]);
  return { data, error };
}
