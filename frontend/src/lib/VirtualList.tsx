// A windowed list of fixed-height rows: hundreds or thousands of entries cost only the rows
// on screen (plus a few above and below), so a long run list stays quick to render and scroll.
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import './views.css';

interface Props<T> {
  items: readonly T[];
  /** Each row's height in px; rows are clipped to it (long names end in an ellipsis). */
  rowHeight: number;
  /** The most rows shown at once before the list scrolls. */
  visibleRows: number;
  itemKey: (item: T) => string;
  renderRow: (item: T) => ComponentChildren;
  /** Class of the <ul>, for styling and tests. */
  class?: string;
  label?: string;
  /** Rows rendered beyond each edge, so fast scrolling and Tab find rows already there. */
  overscan?: number;
}

/** The rows `[start, end)` to render for a list scrolled to `scrollTop`. */
export function visibleWindow(
  count: number,
  rowHeight: number,
  viewportHeight: number,
  scrollTop: number,
  overscan: number,
): [number, number] {
  // A list that just shrank may still hold an old, too large scroll offset.
  const top = Math.max(0, Math.min(scrollTop, count * rowHeight - viewportHeight));
  const start = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((top + viewportHeight) / rowHeight) + overscan);
  return [start, end];
}

export function VirtualList<T>(props: Props<T>) {
  const { items, rowHeight, visibleRows, itemKey, renderRow, label } = props;
  const overscan = props.overscan ?? 8;
  const [scrollTop, setScrollTop] = useState(0);
  const boxRef = useRef<HTMLDivElement>(null);
  // A shorter list makes the browser clamp the scroll offset, not always with a scroll event:
  // follow the box's real offset so the rows drawn are the rows in view.
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box && box.scrollTop !== scrollTop) setScrollTop(box.scrollTop);
  }, [items.length]);
  const viewportHeight = Math.min(items.length, visibleRows) * rowHeight;
  const [start, end] = visibleWindow(items.length, rowHeight, viewportHeight, scrollTop, overscan);
  return (
    <div
      ref={boxRef}
      class="virtual-list"
      style={{ maxHeight: `${visibleRows * rowHeight}px` }}
      data-rows={items.length}
      onScroll={(event) => setScrollTop((event.currentTarget as HTMLElement).scrollTop)}
    >
      <ul
        class={props.class}
        aria-label={label}
        style={{ height: `${items.length * rowHeight}px`, paddingTop: `${start * rowHeight}px` }}
      >
        {items.slice(start, end).map((item, offset) => (
          <li
            key={itemKey(item)}
            style={{ height: `${rowHeight}px` }}
            aria-setsize={items.length}
            aria-posinset={start + offset + 1}
          >
            {renderRow(item)}
          </li>
        ))}
      </ul>
    </div>
  );
}
