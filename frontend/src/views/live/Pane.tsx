// One pane: a title bar to drag it by (or move it with the arrow keys), a close button, its
// content, and a corner handle to resize it. Key presses on a focused text, image or embeddings
// pane go to the Python client as KeyPress events, as in Visdom.
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import { MIN_SIZE, type Size } from './layout';
import type { PaneEvent, WindowDoc } from './types';

/** Pane types whose key presses Visdom forwards to the Python client. */
const KEY_EVENT_TYPES = new Set(['text', 'image', 'image_history', 'embeddings']);
const KEY_STEP = 20;

export interface DragCallbacks {
  /** The pane was dropped in front of the pane at `index` of the visible order. */
  onMove: (win: string, index: number) => void;
  onResize: (win: string, size: Size) => void;
}

interface Props extends DragCallbacks {
  doc: WindowDoc;
  size: Size;
  /** Position in the visible order (for keyboard moves). */
  index: number;
  readonly: boolean;
  onClose: (win: string) => void;
  onEvent: (win: string, event: PaneEvent) => void;
  children: ComponentChildren;
}

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    Boolean(target.closest('input, select, textarea, button, [contenteditable]'))
  );
}

/** The pane under a client point, other than `self`, and whether the point is in its first half. */
function dropTarget(
  x: number,
  y: number,
  self: HTMLElement,
): { index: number; before: boolean } | null {
  for (const element of document.elementsFromPoint(x, y)) {
    const pane = element.closest<HTMLElement>('.live-pane');
    if (!pane || pane === self) continue;
    const index = Number(pane.dataset.index);
    const box = pane.getBoundingClientRect();
    return { index, before: x < box.left + box.width / 2 };
  }
  return null;
}

export function Pane({
  doc,
  size,
  index,
  readonly,
  onClose,
  onEvent,
  onMove,
  onResize,
  children,
}: Props) {
  const ref = useRef<HTMLElement>(null);
  const title = doc.title ? String(doc.title) : '';
  const label = title || doc.id;

  const startDrag = (event: PointerEvent) => {
    const pane = ref.current;
    const onClose = (event.target as HTMLElement).closest('.live-pane-close');
    if (!pane || event.button !== 0 || onClose) return;
    event.preventDefault();
    const bar = event.currentTarget as HTMLElement;
    bar.setPointerCapture(event.pointerId);
    const startX = event.clientX;
    const startY = event.clientY;
    let target: { index: number; before: boolean } | null = null;
    let marked: HTMLElement | null = null;
    pane.classList.add('dragging');
    const move = (e: PointerEvent) => {
      pane.style.transform = `translate(${e.clientX - startX}px, ${e.clientY - startY}px)`;
      target = dropTarget(e.clientX, e.clientY, pane);
      marked?.removeAttribute('data-drop');
      marked = target
        ? (pane.parentElement?.querySelector<HTMLElement>(
            `.live-pane[data-index="${target.index}"]`,
          ) ?? null)
        : null;
      marked?.setAttribute('data-drop', target?.before ? 'before' : 'after');
    };
    const end = () => {
      bar.removeEventListener('pointermove', move);
      bar.removeEventListener('pointerup', end);
      bar.removeEventListener('pointercancel', end);
      pane.classList.remove('dragging');
      pane.style.transform = '';
      marked?.removeAttribute('data-drop');
      if (target) {
        const to = target.before ? target.index : target.index + 1;
        onMove(doc.id, to > index ? to - 1 : to);
      }
    };
    bar.addEventListener('pointermove', move);
    bar.addEventListener('pointerup', end);
    bar.addEventListener('pointercancel', end);
  };

  const startResize = (event: PointerEvent) => {
    const pane = ref.current;
    if (!pane || event.button !== 0) return;
    event.preventDefault();
    const handle = event.currentTarget as HTMLElement;
    handle.setPointerCapture(event.pointerId);
    const startX = event.clientX;
    const startY = event.clientY;
    let next = size;
    const move = (e: PointerEvent) => {
      next = {
        w: Math.max(MIN_SIZE.w, Math.round(size.w + e.clientX - startX)),
        h: Math.max(MIN_SIZE.h, Math.round(size.h + e.clientY - startY)),
      };
      // Follow the pointer without re-rendering; the new size is committed on release.
      pane.style.width = `${next.w}px`;
      pane.style.height = `${next.h}px`;
    };
    const end = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
      if (next !== size) onResize(doc.id, next);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  };

  const onGripKey = (event: KeyboardEvent) => {
    const step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    onMove(doc.id, Math.max(0, index + step));
  };

  const onResizeKey = (event: KeyboardEvent) => {
    const delta = {
      ArrowLeft: [-KEY_STEP, 0],
      ArrowRight: [KEY_STEP, 0],
      ArrowUp: [0, -KEY_STEP],
      ArrowDown: [0, KEY_STEP],
    }[event.key];
    if (!delta) return;
    event.preventDefault();
    onResize(doc.id, {
      w: Math.max(MIN_SIZE.w, size.w + delta[0]),
      h: Math.max(MIN_SIZE.h, size.h + delta[1]),
    });
  };

  const onKeyUp = (event: KeyboardEvent) => {
    if (readonly || !KEY_EVENT_TYPES.has(doc.type) || isEditable(event.target)) return;
    if ((event.target as HTMLElement).closest('.live-pane-bar')) return;
    onEvent(doc.id, { event_type: 'KeyPress', key: event.key, key_code: event.keyCode });
  };

  return (
    <section
      ref={ref}
      class="live-pane"
      data-window-id={doc.id}
      data-type={doc.type}
      data-index={index}
      style={{ width: `${size.w}px`, height: `${size.h}px` }}
      tabIndex={0}
      aria-label={label}
      onKeyUp={onKeyUp}
    >
      <header class="live-pane-bar" onPointerDown={startDrag}>
        <button
          type="button"
          class="live-pane-grip"
          aria-label={`Move pane ${label} (arrow keys, or drag the title bar)`}
          title="Drag to move (or focus and use the arrow keys)"
          onKeyDown={onGripKey}
        >
          ⠿
        </button>
        <h2 class="live-pane-title" title={label}>
          {title || <span class="live-pane-id">{doc.id}</span>}
        </h2>
        <button
          type="button"
          class="live-pane-close"
          aria-label={`Close pane ${label}`}
          title="Close this pane (removes the window on the server)"
          disabled={readonly}
          onClick={() => onClose(doc.id)}
        >
          ×
        </button>
      </header>
      <div class="live-pane-body">{children}</div>
      <button
        type="button"
        class="live-pane-resize"
        aria-label={`Resize pane ${label} (arrow keys, or drag)`}
        title="Drag to resize"
        onPointerDown={startResize}
        onKeyDown={onResizeKey}
      />
    </section>
  );
}
