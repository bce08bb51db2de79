// The width of an element as it changes (window resize, "wide" cards, sidebars collapsing).
import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The content width of `ref`'s element in CSS pixels (0 until it is laid out). */
export function useElementWidth(ref: RefObject<Element | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.floor(element.clientWidth));
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    measure();
    return () => observer.disconnect();
  }, [ref.current]);
  return width;
}
