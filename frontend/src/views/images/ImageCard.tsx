// One run's images of one tag: per sample, a step slider and the image of the chosen step.
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiUrl, getJSON } from '../../api';
import { formatWallTime } from '../../lib/format';
import { isAbort, query } from '../../lib/http';
import { useInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';

/** One step's image as `images?run&tag&sample` lists it. */
interface ImageEntry {
  wall_time: number;
  step: number;
  query: string;
}

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  /** Images at the fullest step: one slider each. */
  samples: number;
  description: string;
  pollTick: number;
  /** The view-wide choice, which the card's own button overrides. */
  fitAll: boolean;
}

/** Most sample sliders a card shows at once (a batch of 64 images would drown the page). */
const MAX_SAMPLES = 16;

export function ImageCard(props: Props) {
  const { plugin, run, tag, color, samples, description, pollTick, fitAll } = props;
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [ownFit, setOwnFit] = useState<boolean | null>(null);
  const fit = ownFit ?? fitAll;
  const [showAll, setShowAll] = useState(false);
  const shownSamples = showAll ? samples : Math.min(samples, MAX_SAMPLES);
  return (
    <article ref={cardRef} class="card image-card" data-run={run} data-tag={tag}>
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
        <div class="card-tools">
          <button
            type="button"
            class="button button-small"
            aria-pressed={fit}
            onClick={() => setOwnFit(!fit)}
          >
            Fit to card
          </button>
        </div>
      </header>
      {description && <SanitizedHtml class="card-description" html={description} />}
      {inView ? (
        Array.from({ length: shownSamples }, (_, sample) => (
          <SampleViewer
            key={sample}
            plugin={plugin}
            run={run}
            tag={tag}
            sample={sample}
            samples={samples}
            fit={fit}
            pollTick={pollTick}
          />
        ))
      ) : (
        <div class="image-placeholder" />
      )}
      {inView && shownSamples < samples && (
        <button type="button" class="button button-small" onClick={() => setShowAll(true)}>
          Show all {samples} images of a step
        </button>
      )}
    </article>
  );
}

interface SampleProps {
  plugin: string;
  run: string;
  tag: string;
  sample: number;
  samples: number;
  fit: boolean;
  pollTick: number;
}

function SampleViewer({ plugin, run, tag, sample, samples, fit, pollTick }: SampleProps) {
  const [entries, setEntries] = useState<ImageEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // null follows the newest step as new ones arrive; a number pins the slider there.
  const [chosen, setChosen] = useState<number | null>(null);
  const [loadedSrc, setLoadedSrc] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    getJSON<ImageEntry[]>(`data/plugin/${plugin}/images?${query({ run, tag, sample })}`, {
      signal: abort.signal,
    }).then(
      (answer) => {
        setEntries(answer);
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(reason instanceof Error ? reason.message : String(reason));
      },
    );
    return () => abort.abort();
  }, [plugin, run, tag, sample, pollTick]);

  if (error) return <p class="card-error">Could not load the images: {error}</p>;
  if (!entries) return <p class="loading">Loading…</p>;
  if (entries.length === 0) return <p class="card-note">No step holds image {sample + 1}.</p>;

  const index = Math.min(chosen ?? entries.length - 1, entries.length - 1);
  const entry = entries[index];
  const src = apiUrl(`data/plugin/${plugin}/individualImage?${entry.query}`);
  const sliderId = `image-${encodeURIComponent(`${run}/${tag}/${sample}`)}`;
  const name = samples > 1 ? `${tag}, image ${sample + 1}` : tag;
  return (
    <figure
      class="image-sample"
      data-sample={sample}
      data-step={entry.step}
      data-loaded={loadedSrc === src ? '1' : '0'}
    >
      <div class="image-frame">
        <img
          src={src}
          alt={`${name} of run ${run} at step ${entry.step}`}
          class={fit ? 'image-fit' : undefined}
          onLoad={() => setLoadedSrc(src)}
          onError={() => setLoadedSrc(null)}
        />
      </div>
      <figcaption>
        <span>
          Step <strong>{entry.step}</strong>
        </span>
        <span class="card-sub">{formatWallTime(entry.wall_time)}</span>
        {samples > 1 && <span class="card-sub">image {sample + 1}</span>}
      </figcaption>
      {entries.length > 1 && (
        <div class="setting-row">
          <label class="visually-hidden" for={sliderId}>
            Step of {name} ({run})
          </label>
          <input
            id={sliderId}
            type="range"
            min={0}
            max={entries.length - 1}
            step={1}
            value={index}
            aria-valuetext={`step ${entry.step}`}
            onInput={(event) => {
              const next = Number((event.target as HTMLInputElement).value);
              setChosen(next === entries.length - 1 ? null : next);
            }}
          />
          <span class="setting-value">
            {index + 1}/{entries.length}
          </span>
        </div>
      )}
    </figure>
  );
}
