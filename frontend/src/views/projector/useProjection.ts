// A projection job on the server, followed from start to finish: its progress, the layout as it
// converges (t-SNE, UMAP) and the final one, and a cancel.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  cancelProjection,
  errorMessage,
  fetchLayout,
  type JobState,
  type Matrix,
  type Method,
  pollProjection,
  startProjection,
} from './data';

const POLL_MS = 250;
/** How often a converging layout is fetched again while the job runs. */
const LIVE_LAYOUT_MS = 700;

export interface ProjectionRequest {
  run: string;
  name: string;
  method: Method;
  dims: number;
  params: Record<string, number | string>;
  /** Changes to run the same request again after a cancel or failure. */
  attempt: number;
}

export interface ProjectionState {
  job: JobState | null;
  layout: Matrix | null;
  /** The layout belongs to this method (it can lag behind a newly requested one). */
  layoutMethod: Method | null;
  error: string | null;
  cancel: () => void;
}

export function useProjection(plugin: string, request: ProjectionRequest | null): ProjectionState {
  const [job, setJob] = useState<JobState | null>(null);
  const [layout, setLayout] = useState<{ matrix: Matrix; method: Method } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const jobId = useRef<string | null>(null);
  const key = request ? JSON.stringify(request) : '';

  useEffect(() => {
    if (!request) return;
    let stopped = false;
    const abort = new AbortController();
    let timer = 0;
    let lastLayoutAt = 0;
    setError(null);
    setJob(null);
    const follow = async (id: string) => {
      if (stopped) return;
      try {
        const state = await pollProjection(plugin, id, abort.signal);
        if (stopped) return;
        setJob(state);
        const live = state.status === 'running' && state.shape !== null;
        const now = performance.now();
        if (state.status === 'done' || (live && now - lastLayoutAt > LIVE_LAYOUT_MS)) {
          lastLayoutAt = now;
          const matrix = await fetchLayout(plugin, id, abort.signal);
          if (stopped) return;
          setLayout({ matrix, method: request.method });
        }
        if (state.status === 'failed') setError(state.error ?? 'the projection failed');
        if (['done', 'failed', 'cancelled'].includes(state.status)) return;
        timer = window.setTimeout(() => follow(id), POLL_MS);
      } catch (reason) {
        if (!stopped) setError(errorMessage(reason));
      }
    };
    startProjection(plugin, request).then(
      (id) => {
        jobId.current = id;
        follow(id);
      },
      (reason: unknown) => {
        if (!stopped) setError(errorMessage(reason));
      },
    );
    return () => {
      stopped = true;
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [plugin, key]);

  const cancel = () => {
    const id = jobId.current;
    if (!id) return;
    cancelProjection(plugin, id).then(
      () => pollProjection(plugin, id).then(setJob),
      (reason: unknown) => setError(errorMessage(reason)),
    );
  };
  return {
    job,
    layout: layout?.matrix ?? null,
    layoutMethod: layout?.method ?? null,
    error,
    cancel,
  };
}
