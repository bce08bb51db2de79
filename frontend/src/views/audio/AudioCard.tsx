// One run's audio of one tag: per clip of a step, a step slider and a player.
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiUrl, getJSON } from '../../api';
import { formatWallTime } from '../../lib/format';
import { isAbort, query } from '../../lib/http';
import { useInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';
import { StepSlider } from '../../lib/StepSlider';

/** One step's clip as `audio?run&tag&sample` lists it; `label` is sanitized HTML. */
interface AudioEntry {
  wall_time: number;
  step: number;
  label: string;
  contentType: string;
  query: string;
}

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  /** Clips at the fullest step: one player each. */
  samples: number;
  description: string;
  pollTick: number;
}

/** Most players a card shows at once. */
const MAX_SAMPLES = 8;

export function AudioCard({ plugin, run, tag, color, samples, description, pollTick }: Props) {
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? samples : Math.min(samples, MAX_SAMPLES);
  return (
    <article ref={cardRef} class="card audio-card" data-run={run} data-tag={tag}>
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
      </header>
      {description && <SanitizedHtml class="card-description" html={description} />}
      {inView ? (
        Array.from({ length: shown }, (_, sample) => (
          <ClipPlayer
            key={sample}
            plugin={plugin}
            run={run}
            tag={tag}
            sample={sample}
            samples={samples}
            pollTick={pollTick}
          />
        ))
      ) : (
        <div class="audio-placeholder" />
      )}
      {inView && shown < samples && (
        <button type="button" class="button button-small" onClick={() => setShowAll(true)}>
          Show all {samples} clips of a step
        </button>
      )}
    </article>
  );
}

/** A URL of this server for the route's opaque query, or null if it would leave the origin. */
function sameOriginUrl(plugin: string, clipQuery: string): string | null {
  const url = apiUrl(`data/plugin/${plugin}/individualAudio?${clipQuery}`);
  return new URL(url).origin === window.location.origin ? url : null;
}

interface ClipProps {
  plugin: string;
  run: string;
  tag: string;
  sample: number;
  samples: number;
  pollTick: number;
}

function ClipPlayer({ plugin, run, tag, sample, samples, pollTick }: ClipProps) {
  const [entries, setEntries] = useState<AudioEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // null follows the newest step as new ones arrive; a number pins the slider there.
  const [chosen, setChosen] = useState<number | null>(null);
  const [playable, setPlayable] = useState<string | null>(null);
  const [clipError, setClipError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    getJSON<AudioEntry[]>(`data/plugin/${plugin}/audio?${query({ run, tag, sample })}`, {
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

  if (error) return <p class="card-error">Could not load the audio: {error}</p>;
  if (!entries) return <p class="loading">Loading…</p>;
  if (entries.length === 0) return <p class="card-note">No step holds clip {sample + 1}.</p>;

  const index = Math.min(chosen ?? entries.length - 1, entries.length - 1);
  const entry = entries[index];
  const src = sameOriginUrl(plugin, entry.query);
  const name = samples > 1 ? `${tag}, clip ${sample + 1}` : tag;
  return (
    <figure
      class="audio-sample"
      data-sample={sample}
      data-step={entry.step}
      data-steps={entries.length}
      data-playable={src !== null && playable === src ? '1' : '0'}
    >
      {src ? (
        <audio
          controls
          preload="metadata"
          src={src}
          aria-label={`${name} of run ${run} at step ${entry.step}`}
          onLoadedMetadata={() => {
            setPlayable(src);
            setClipError(null);
          }}
          onError={() => setClipError('this browser cannot play the clip')}
        >
          <track kind="captions" />
        </audio>
      ) : (
        <p class="card-error">The clip's address leaves this server; it is not loaded.</p>
      )}
      {clipError && <p class="card-error">{clipError}</p>}
      <figcaption>
        <span>
          Step <strong>{entry.step}</strong>
        </span>
        <span class="card-sub">{formatWallTime(entry.wall_time)}</span>
        {samples > 1 && <span class="card-sub">clip {sample + 1}</span>}
        <span class="card-sub">{entry.contentType}</span>
      </figcaption>
      {entry.label && <SanitizedHtml class="card-description audio-label" html={entry.label} />}
      <StepSlider
        id={`audio-${encodeURIComponent(`${run}/${tag}/${sample}`)}`}
        label={`Step of ${name} (${run})`}
        steps={entries.map((item) => item.step)}
        index={index}
        onChange={(next) => setChosen(next === entries.length - 1 ? null : next)}
      />
    </figure>
  );
}
