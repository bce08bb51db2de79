// One run's text of one tag: the newest steps first, older ones on request.
import { useRef, useState } from 'preact/hooks';
import { formatWallTime } from '../../lib/format';
import { query } from '../../lib/http';
import { useInView, useJSONInView } from '../../lib/hooks';
import { SanitizedHtml } from '../../lib/SanitizedHtml';

/** One step as `text?run&tag` answers it; `text` is HTML the server has sanitized. */
interface TextEntry {
  wall_time: number;
  step: number;
  text: string;
}

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  pollTick: number;
}

/** Steps shown at first, and added by each "show older" click. */
const PAGE = 10;

export function TextCard({ plugin, run, tag, color, pollTick }: Props) {
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const { data: entries, error } = useJSONInView<TextEntry[]>(
    `data/plugin/${plugin}/text?${query({ run, tag })}`,
    inView,
    pollTick,
  );
  const [shownCount, setShownCount] = useState(PAGE);

  const newestFirst = entries ? [...entries].reverse() : [];
  const shown = newestFirst.slice(0, shownCount);
  return (
    <article
      ref={cardRef}
      class="card text-card"
      data-run={run}
      data-tag={tag}
      data-ready={entries ? '1' : '0'}
    >
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
        {entries && (
          <span class="card-sub">
            {entries.length} step{entries.length === 1 ? '' : 's'}
          </span>
        )}
      </header>
      {error && <p class="card-error">Could not load the text: {error}</p>}
      {!entries && !error && <p class="loading">Loading…</p>}
      {shown.map((entry, i) => (
        <section
          class="text-step"
          key={`${entry.step}-${entry.wall_time}-${i}`}
          data-step={entry.step}
        >
          <h4>
            Step {entry.step} <span class="card-sub">{formatWallTime(entry.wall_time)}</span>
          </h4>
          <SanitizedHtml class="text-body" html={entry.text} />
        </section>
      ))}
      {newestFirst.length > shown.length && (
        <button
          type="button"
          class="button button-small"
          onClick={() => setShownCount(shownCount + PAGE)}
        >
          Show {Math.min(PAGE, newestFirst.length - shown.length)} older steps
        </button>
      )}
    </article>
  );
}
