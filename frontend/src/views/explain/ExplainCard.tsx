// One run's explanations of one tag: a step slider over the logged steps and the record of the
// selected step (fetched when first shown, then kept).
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJSON } from '../../api';
import { formatWallTime } from '../../lib/format';
import { useInView } from '../../lib/hooks';
import { isAbort, query } from '../../lib/http';
import { StepSlider } from '../../lib/StepSlider';
import type { ClassRef, ExplanationRecord, Prediction } from './record';
import { RecordView } from './RecordView';

/** One step as `explanations?run&tag` lists it (no pixels). */
interface StepEntry {
  step: number;
  wall_time: number;
  methods: string[];
  target: ClassRef;
  top_k: Prediction[];
}

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  pollTick: number;
  idPrefix: string;
}

function message(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

export function ExplainCard({ plugin, run, tag, color, pollTick, idPrefix }: Props) {
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [steps, setSteps] = useState<StepEntry[] | null>(null);
  /** Selected position; null follows the newest step as new ones arrive. */
  const [picked, setPicked] = useState<number | null>(null);
  const [record, setRecord] = useState<{ key: string; record: ExplanationRecord } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const records = useRef(new Map<string, ExplanationRecord>());

  useEffect(() => {
    if (!inView) return;
    const abort = new AbortController();
    getJSON<StepEntry[]>(`data/plugin/${plugin}/explanations?${query({ run, tag })}`, {
      signal: abort.signal,
    }).then(
      (answer) => {
        setSteps(answer);
        setError(null);
      },
      (reason: unknown) => !isAbort(reason) && setError(message(reason)),
    );
    return () => abort.abort();
  }, [inView, plugin, run, tag, pollTick]);

  const index = steps ? Math.min(picked ?? steps.length - 1, steps.length - 1) : -1;
  const entry = index >= 0 && steps ? steps[index] : null;
  const key = entry ? `${entry.step}:${entry.wall_time}` : '';

  useEffect(() => {
    if (!entry) return;
    const kept = records.current.get(key);
    if (kept) {
      setRecord({ key, record: kept });
      return;
    }
    const abort = new AbortController();
    getJSON<ExplanationRecord>(
      `data/plugin/${plugin}/record?${query({ run, tag, step: entry.step })}`,
      { signal: abort.signal },
    ).then(
      (answer) => {
        records.current.set(key, answer);
        setRecord({ key, record: answer });
        setError(null);
      },
      (reason: unknown) => !isAbort(reason) && setError(message(reason)),
    );
    return () => abort.abort();
  }, [key, plugin, run, tag]);

  const shown = record && record.key === key ? record.record : null;
  return (
    <article
      ref={cardRef}
      class="card card-wide explain-card"
      data-run={run}
      data-tag={tag}
      data-step={entry?.step ?? ''}
      data-ready={shown ? '1' : '0'}
    >
      <header class="card-head">
        <h3 class="card-title">{tag}</h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
        {entry && (
          <span class="card-sub">
            step {entry.step} · {formatWallTime(entry.wall_time)}
          </span>
        )}
      </header>
      {steps && (
        <StepSlider
          id={`${idPrefix}-step`}
          label={`Step of ${tag} (${run})`}
          steps={steps.map((s) => s.step)}
          index={Math.max(0, index)}
          onChange={(next) => setPicked(steps && next === steps.length - 1 ? null : next)}
        />
      )}
      {error && <p class="card-error">Could not load the explanations: {error}</p>}
      {!shown && !error && <p class="loading">Loading…</p>}
      {shown && <RecordView record={shown} idPrefix={idPrefix} />}
    </article>
  );
}
