// Image panes: one image, or an image history with a slider. Ctrl/⌘ + wheel or the buttons
// zoom (around the pointer), dragging pans a zoomed image, a double click fits it again.
// A click reports the image pixel under the pointer to the Python client, as Visdom does.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ImageContent, PaneEvent, WindowDoc } from '../types';

interface Props {
  doc: WindowDoc;
  rev: number;
  onEvent: (event: PaneEvent) => void;
}

interface View {
  scale: number;
  x: number;
  y: number;
}

const FIT: View = { scale: 1, x: 0, y: 0 };
const MAX_SCALE = 40;
/** Pointer travel (px) below which a press counts as a click rather than a pan. */
const CLICK_SLOP = 4;

function images(doc: WindowDoc): ImageContent[] {
  if (doc.type === 'image_history') {
    return Array.isArray(doc.content) ? (doc.content as ImageContent[]) : [];
  }
  return doc.content ? [doc.content as ImageContent] : [];
}

/** The image pixel under a client point, or null outside the drawn image. */
function imagePixel(img: HTMLImageElement, clientX: number, clientY: number) {
  const box = img.getBoundingClientRect(); // includes the zoom transform
  const { naturalWidth: width, naturalHeight: height } = img;
  if (!width || !height || !box.width || !box.height) return null;
  // object-fit: contain letterboxes the image inside the element's box.
  const fit = Math.min(box.width / width, box.height / height);
  const left = box.left + (box.width - width * fit) / 2;
  const top = box.top + (box.height - height * fit) / 2;
  const x = Math.floor((clientX - left) / fit);
  const y = Math.floor((clientY - top) / fit);
  return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
}

export function ImagePane({ doc, rev, onEvent }: Props) {
  const list = images(doc);
  const serverSelected = Math.min(Math.max(0, doc.selected ?? list.length - 1), list.length - 1);
  const [selected, setSelected] = useState(serverSelected);
  const [view, setView] = useState<View>(FIT);
  const frame = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number; view: View; moved: boolean } | null>(null);

  // A new image (or a new window) shows what the server selected: the newest one.
  useEffect(() => setSelected(serverSelected), [rev, serverSelected]);

  const image = list[selected];
  const showSlider = doc.type === 'image_history' && doc.show_slider !== false && list.length > 1;

  const zoomAt = (factor: number, clientX?: number, clientY?: number) => {
    const box = frame.current?.getBoundingClientRect();
    setView((old) => {
      const scale = Math.min(MAX_SCALE, Math.max(1, old.scale * factor));
      if (scale === 1) return FIT;
      // Keep the point under the pointer (or the centre) where it is.
      const px = (clientX ?? (box ? box.left + box.width / 2 : 0)) - (box?.left ?? 0);
      const py = (clientY ?? (box ? box.top + box.height / 2 : 0)) - (box?.top ?? 0);
      const ratio = scale / old.scale;
      return { scale, x: px - (px - old.x) * ratio, y: py - (py - old.y) * ratio };
    });
  };

  const onWheel = (event: WheelEvent) => {
    if (!event.ctrlKey && !event.metaKey) return; // plain wheel scrolls the page
    event.preventDefault();
    zoomAt(event.deltaY < 0 ? 1.25 : 0.8, event.clientX, event.clientY);
  };

  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    drag.current = { x: event.clientX, y: event.clientY, view, moved: false };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    const start = drag.current;
    if (!start) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    if (Math.abs(dx) + Math.abs(dy) > CLICK_SLOP) start.moved = true;
    if (start.moved && start.view.scale > 1) {
      setView({ ...start.view, x: start.view.x + dx, y: start.view.y + dy });
    }
  };
  const onPointerUp = (event: PointerEvent) => {
    const start = drag.current;
    drag.current = null;
    if (!start || start.moved) return;
    const img = frame.current?.querySelector('img');
    const pixel = img ? imagePixel(img, event.clientX, event.clientY) : null;
    if (pixel) onEvent({ event_type: 'Click', image_coord: pixel });
  };

  return (
    <div class="live-image">
      <div
        class="live-image-frame"
        ref={frame}
        onWheel={onWheel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onDblClick={() => setView(FIT)}
      >
        {image ? (
          <img
            src={image.src}
            alt={image.caption ?? doc.title ?? 'image'}
            draggable={false}
            class={view.scale > 1 ? 'zoomed' : undefined}
            style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
            onLoad={(event) => {
              (event.currentTarget as HTMLElement)
                .closest('.live-image')
                ?.setAttribute('data-ready', '1');
            }}
          />
        ) : (
          <p class="live-note">No image.</p>
        )}
      </div>
      <div class="live-image-bar">
        {image?.caption ? <span class="live-caption">{image.caption}</span> : <span />}
        <span class="live-zoom">
          <button
            type="button"
            class="button button-small"
            title="Zoom out"
            aria-label="Zoom out"
            onClick={() => zoomAt(0.8)}
            disabled={view.scale <= 1}
          >
            −
          </button>
          <span class="live-zoom-level" aria-live="polite">
            {Math.round(view.scale * 100)}%
          </span>
          <button
            type="button"
            class="button button-small"
            title="Zoom in (or Ctrl + wheel)"
            aria-label="Zoom in"
            onClick={() => zoomAt(1.25)}
          >
            +
          </button>
          <button
            type="button"
            class="button button-small"
            title="Fit the image (or double click)"
            onClick={() => setView(FIT)}
            disabled={view.scale === 1}
          >
            Fit
          </button>
        </span>
      </div>
      {showSlider && (
        <label class="live-history">
          <span>
            Image {selected + 1} of {list.length}
          </span>
          <input
            type="range"
            min={0}
            max={list.length - 1}
            value={selected}
            aria-label="Image in history"
            onInput={(event) => setSelected(Number((event.target as HTMLInputElement).value))}
          />
        </label>
      )}
    </div>
  );
}
