// The panel beside the cloud: the hovered or selected point's metadata and sprite thumbnail,
// and (for a selected point) its nearest neighbours on the original vectors.
import { useEffect, useState } from 'preact/hooks';
import { formatValue } from '../../lib/format';
import { type EmbeddingInfo, type Matrix, type Metadata, type Neighbors, spriteUrl } from './data';

const THUMBNAIL_PIXELS = 64;

interface Props {
  plugin: string;
  loaded: {
    run: string;
    name: string;
    tensor: Matrix;
    metadata: Metadata | null;
    sprite: EmbeddingInfo['sprite'] | null;
  };
  index: number;
  /** Selected by a click (else only hovered). */
  pinned: boolean;
  neighbors: Neighbors | null;
  labelValues: string[] | null;
  metric: string;
  onSelect: (index: number | null) => void;
}

/** The sprite atlas's width in pixels, once loaded (thumbnails are cut from it with CSS). */
function useImageWidth(url: string | null): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    setWidth(null);
    if (!url) return;
    const image = new Image();
    image.onload = () => setWidth(image.naturalWidth);
    image.src = url;
  }, [url]);
  return width;
}

function Thumbnail({ url, atlasWidth, dim, index, pixels = THUMBNAIL_PIXELS }: {
  url: string;
  atlasWidth: number;
  dim: number[];
  index: number;
  /** The longer side's length on screen. */
  pixels?: number;
}) {
  const [width, height] = dim;
  const perRow = Math.max(1, Math.floor(atlasWidth / width));
  const scale = pixels / Math.max(width, height);
  const column = index % perRow;
  const row = Math.floor(index / perRow);
  return (
    <div
      class="projector-thumbnail"
      role="img"
      aria-label={`sprite of point ${index}`}
      style={{
        width: `${width * scale}px`,
        height: `${height * scale}px`,
        backgroundImage: `url("${url}")`,
        backgroundSize: `${atlasWidth * scale}px auto`,
        backgroundPosition: `-${column * width * scale}px -${row * height * scale}px`,
      }}
    />
  );
}

export function SidePanel(props: Props) {
  const { plugin, loaded, index, pinned, neighbors, labelValues, metric, onSelect } = props;
  const url = loaded.sprite ? spriteUrl(plugin, loaded.run, loaded.name) : null;
  const atlasWidth = useImageWidth(url);
  const metadata = loaded.metadata;
  const label = (i: number) => labelValues?.[i] || `#${i}`;
  return (
    <aside class="projector-details" aria-label="Point details" data-index={index}>
      <header>
        <h2>
          Point {index}
          {labelValues ? `: ${label(index)}` : ''}
        </h2>
        {pinned && (
          <button type="button" class="projector-deselect" onClick={() => onSelect(null)}>
            Clear selection
          </button>
        )}
      </header>
      {url && atlasWidth && loaded.sprite && (
        <Thumbnail url={url} atlasWidth={atlasWidth} dim={loaded.sprite.singleImageDim} index={index} />
      )}
      {metadata && (
        <dl class="projector-metadata">
          {metadata.columns.map((column, c) => (
            <div key={column}>
              <dt>{column}</dt>
              <dd>{metadata.values[c][index]}</dd>
            </div>
          ))}
        </dl>
      )}
      {pinned && (
        <section class="projector-neighbors">
          <h3>Nearest neighbours ({metric})</h3>
          {neighbors === null ? (
            <p class="dash-note">Searching…</p>
          ) : (
            <ol>
              {neighbors.indices.map((neighbor, i) => (
                <li key={neighbor} data-index={neighbor}>
                  <button type="button" onClick={() => onSelect(neighbor)}>
                    {url && atlasWidth && loaded.sprite && (
                      <Thumbnail
                        url={url}
                        atlasWidth={atlasWidth}
                        dim={loaded.sprite.singleImageDim}
                        index={neighbor}
                        pixels={24}
                      />
                    )}
                    <span class="value">{label(neighbor)}</span>
                    <span class="distance">{formatValue(neighbors.distances[i])}</span>
                  </button>
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </aside>
  );
}
