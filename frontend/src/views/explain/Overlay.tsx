// The input image with one map drawn over it; the map's opacity is the overlay slider's value.
import { useEffect, useRef, useState } from 'preact/hooks';
import { colorize } from './colormap';
import { type MapEntry, pngUrl } from './record';

interface Props {
  image: string;
  /** The map to draw, or null when the selected target has none for this method. */
  map: MapEntry | null;
  opacity: number;
  /** Native size of the input, to keep small images crisp when enlarged. */
  size: number;
  label: string;
  class?: string;
}

/** Below this many pixels a side, images are enlarged without smoothing. */
const CRISP_BELOW = 96;

export function Overlay({ image, map, opacity, size, label, class: className }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);

  useEffect(() => {
    setDrawn(false);
    if (!map) return;
    let current = true;
    colorize(map).then(
      (pixels) => {
        const element = canvas.current;
        if (!current || !element) return;
        element.width = pixels.width;
        element.height = pixels.height;
        element.getContext('2d')?.putImageData(pixels, 0, 0);
        setDrawn(true);
      },
      () => current && setDrawn(false),
    );
    return () => {
      current = false;
    };
  }, [map]);

  return (
    <div
      class={`explain-overlay ${size < CRISP_BELOW ? 'crisp' : ''} ${className ?? ''}`}
      data-ready={drawn || !map ? '1' : '0'}
    >
      <img src={pngUrl(image)} alt={label} />
      {map ? (
        <canvas ref={canvas} class="explain-heat" style={{ opacity }} aria-hidden="true" />
      ) : (
        <span class="explain-missing">no map</span>
      )}
    </div>
  );
}
