// Heatmaps in colour: a map's 8-bit (or float) values become RGBA pixels. Unsigned maps use a
// dark-to-bright sequential scale, signed maps a blue-white-red scale with zero in the middle.
import { type MapEntry, pngUrl } from './record';

type Stop = [number, number, number, number];

// Positions in [0, 1] and RGB: close to matplotlib's "inferno" and "RdBu" (reversed).
const SEQUENTIAL: Stop[] = [
  [0, 0, 0, 4],
  [0.25, 87, 16, 110],
  [0.5, 188, 55, 84],
  [0.75, 249, 142, 9],
  [1, 252, 255, 164],
];
const DIVERGING: Stop[] = [
  [0, 5, 48, 97],
  [0.25, 67, 147, 195],
  [0.5, 247, 247, 247],
  [0.75, 214, 96, 77],
  [1, 103, 0, 31],
];

function lookupTable(stops: Stop[]): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 1;
    while (k < stops.length - 1 && stops[k][0] < t) k++;
    const [t0, ...a] = stops[k - 1];
    const [t1, ...b] = stops[k];
    const f = (t - t0) / (t1 - t0);
    for (let c = 0; c < 3; c++) table[i * 3 + c] = a[c] + (b[c] - a[c]) * f;
  }
  return table;
}

const TABLES = { sequential: lookupTable(SEQUENTIAL), diverging: lookupTable(DIVERGING) };

/** 0..255 per pixel: a PNG map's grey levels, or float values scaled as the writer scales. */
async function levels(entry: MapEntry): Promise<Uint8ClampedArray> {
  const { width, height } = entry;
  const out = new Uint8ClampedArray(width * height);
  if (entry.encoding === 'float' && Array.isArray(entry.values)) {
    const bound = Math.max(Math.abs(entry.min), Math.abs(entry.max)) || 1;
    const span = entry.max - entry.min || 1;
    entry.values.forEach((row, y) =>
      row.forEach((value, x) => {
        const t = entry.signed ? (value / bound + 1) / 2 : (value - entry.min) / span;
        out[y * width + x] = Math.round(t * 255);
      }),
    );
    return out;
  }
  const image = new Image();
  image.src = pngUrl(entry.png ?? '');
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return out;
  context.drawImage(image, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4];
  return out;
}

const cache = new Map<string, Promise<ImageData>>();
const CACHE_LIMIT = 256;

function cacheKey(entry: MapEntry): string {
  return entry.encoding === 'float'
    ? `f:${entry.min}:${entry.max}:${JSON.stringify(entry.values)}`
    : `p:${entry.signed}:${entry.png}`;
}

/** The coloured pixels of a map (cached: switching steps and targets back is instant). */
export function colorize(entry: MapEntry): Promise<ImageData> {
  const key = cacheKey(entry);
  let found = cache.get(key);
  if (!found) {
    found = levels(entry).then((grey) => {
      const table = entry.signed ? TABLES.diverging : TABLES.sequential;
      const pixels = new ImageData(entry.width, entry.height);
      for (let i = 0; i < grey.length; i++) {
        const at = grey[i] * 3;
        pixels.data[i * 4] = table[at];
        pixels.data[i * 4 + 1] = table[at + 1];
        pixels.data[i * 4 + 2] = table[at + 2];
        pixels.data[i * 4 + 3] = 255;
      }
      return pixels;
    });
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, found);
  }
  return found;
}
