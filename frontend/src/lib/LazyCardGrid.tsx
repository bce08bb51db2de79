// A grid of cards built a block at a time: blocks below the screen are empty placeholders of
// about their size until scrolled near, so thousands of tags cost a few dozen cards at first.
import { type ComponentChildren, Fragment } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useInView } from './hooks';
import './views.css';

/** Cards built together once their block nears the screen. */
export const CARDS_PER_BLOCK = 24;
/** A view's first cards are built at once: a small logdir never waits for scrolling. */
export const EAGER_CARDS = 60;
/** The gap between the grid's rows (views.css `.card-grid`), for placeholder sizes. */
const GAP_PX = 14;

/** The index of each group's first card among all the groups' cards. */
export function groupStartIndices(groups: ReadonlyArray<[string, readonly unknown[]]>): number[] {
  const starts: number[] = [];
  let seen = 0;
  for (const [, members] of groups) {
    starts.push(seen);
    seen += members.length;
  }
  return starts;
}

interface Props<T> {
  items: readonly T[];
  itemKey: (item: T) => string;
  renderItem: (item: T) => ComponentChildren;
  /** A card's usual height in px, for the size of the placeholders. */
  cardHeight: number;
  /** How many of `items` to build at once (the rest wait for their block to near the screen). */
  eager: number;
}

/** The grid of one tag group. */
export function LazyCardGrid<T>(props: Props<T>) {
  const { items, itemKey, renderItem, cardHeight, eager } = props;
  const blocks: Array<readonly T[]> = [];
  for (let start = 0; start < items.length; start += CARDS_PER_BLOCK)
    blocks.push(items.slice(start, start + CARDS_PER_BLOCK));
  return (
    <>
      {blocks.map((block, index) => (
        <CardBlock
          // Keyed by position: a block keeps its built state when the filters change its cards.
          key={index}
          items={block}
          itemKey={itemKey}
          renderItem={renderItem}
          cardHeight={cardHeight}
          eager={index * CARDS_PER_BLOCK < eager}
        />
      ))}
    </>
  );
}

interface BlockProps<T> {
  items: readonly T[];
  itemKey: (item: T) => string;
  renderItem: (item: T) => ComponentChildren;
  cardHeight: number;
  eager: boolean;
}

function CardBlock<T>({ items, itemKey, renderItem, cardHeight, eager }: BlockProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const inView = useInView(ref);
  // Once built, a block stays built: its cards drop their own data when scrolled away.
  const [built, setBuilt] = useState(false);
  const [columns, setColumns] = useState(2);
  const show = built || inView || eager;
  useEffect(() => {
    if (show && !built) setBuilt(true);
  }, [show]);
  useLayoutEffect(() => {
    // The placeholder is itself a grid of the view's columns: ask it how many it has.
    if (show || !ref.current) return;
    const tracks = getComputedStyle(ref.current).gridTemplateColumns.split(' ').length;
    if (tracks !== columns) setColumns(Math.max(1, tracks));
  }, [show]);
  if (!show) {
    const rows = Math.ceil(items.length / columns);
    return (
      <div
        ref={ref}
        class="card-grid card-grid-pending"
        data-pending={items.length}
        style={{ height: `${rows * cardHeight + (rows - 1) * GAP_PX}px` }}
      />
    );
  }
  return (
    <div ref={ref} class="card-grid">
      {items.map((item) => (
        <Fragment key={itemKey(item)}>{renderItem(item)}</Fragment>
      ))}
    </div>
  );
}
