// Small hooks the Live view's panes share.
import { useEffect, useState } from 'preact/hooks';

/** The dashboard's theme name (`data-theme` on <html>), updated when the user switches it. */
export function useDocumentTheme(): string {
  const read = () => document.documentElement.dataset.theme ?? 'light';
  const [theme, setTheme] = useState(read);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(read()));
    observer.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
    return () => observer.disconnect();
  }, []);
  return theme;
}

/** Wait this long after the last size change before redrawing (a drag resizes many times). */
const RESIZE_SETTLE_MS = 60;

/** Calls `onResize` once `element` has stopped changing size (not for its first layout). */
export function useResize(element: HTMLElement | null, onResize: () => void): void {
  useEffect(() => {
    if (!element) return;
    let first = true;
    let timer: number | undefined;
    const observer = new ResizeObserver(() => {
      if (first) {
        first = false;
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(onResize, RESIZE_SETTLE_MS);
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      window.clearTimeout(timer);
    };
  }, [element, onResize]);
}

/** Panes this close to the viewport (px) count as visible, so scrolling finds them drawn. */
const NEAR_VIEWPORT = '300px';

let sharedObserver: IntersectionObserver | null = null;
const visibilityListeners = new Map<Element, (visible: boolean) => void>();

/**
 * Whether `element` is on (or near) the screen. Plots draw only then: an env of fifty plots
 * draws the few in view first, and appends to plots scrolled away cost nothing until seen.
 */
export function useNearViewport(element: HTMLElement | null): boolean {
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    if (!element) return;
    sharedObserver ??= new IntersectionObserver(
      (entries) => {
        for (const entry of entries) visibilityListeners.get(entry.target)?.(entry.isIntersecting);
      },
      { rootMargin: NEAR_VIEWPORT },
    );
    visibilityListeners.set(element, setVisible);
    sharedObserver.observe(element);
    return () => {
      visibilityListeners.delete(element);
      sharedObserver?.unobserve(element);
    };
  }, [element]);
  return visible;
}
