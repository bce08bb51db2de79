// Scalar series from the server: torchscope's downsampled and ranged routes, and downloads.
import { getJSON } from '../../api';
import { postFormJSON, query } from '../../lib/http';

/** `data/plugin/scalars/tags`: run -> tag -> display name and sanitized description. */
export type ScalarTags = Record<
  string,
  Record<string, { displayName: string; description: string }>
>;

/** What the `series` and `range` routes answer for one run (JSON-safe numbers). */
interface SeriesPayload {
  total: number;
  points: number;
  downsampled: boolean;
  step: number[];
  wall_time: Array<number | string>;
  value: Array<number | string>;
}

/** One run's series as the charts use it. */
export interface RunSeries {
  run: string;
  step: number[];
  wall: number[];
  value: number[];
  /** Points in the requested range on the server. */
  total: number;
  /** Whether `value` keeps only each bucket's extremes rather than every point. */
  downsampled: boolean;
}

/** A number the server sent, which is a string for NaN and the infinities. */
function toNumber(raw: number | string): number {
  if (typeof raw === 'number') return raw;
  if (raw === 'Infinity') return Infinity;
  if (raw === '-Infinity') return -Infinity;
  return Number.NaN;
}

function toSeries(run: string, payload: SeriesPayload): RunSeries {
  return {
    run,
    step: payload.step,
    wall: payload.wall_time.map(toNumber),
    value: payload.value.map(toNumber),
    total: payload.total,
    downsampled: payload.downsampled,
  };
}

/** Every run's series of `tag`, each reduced to at most ~4 x `buckets` points, in one request. */
export async function fetchOverview(
  plugin: string,
  tag: string,
  runs: string[],
  buckets: number,
  signal: AbortSignal,
): Promise<RunSeries[]> {
  if (runs.length === 0) return [];
  const answer = await postFormJSON<Record<string, SeriesPayload>>(
    `data/plugin/${plugin}/series_multirun`,
    { tag, runs, buckets: String(buckets) },
    { signal },
  );
  return runs.filter((run) => run in answer).map((run) => toSeries(run, answer[run]));
}

/** A run's points between two steps (inclusive): every point when they fit in the buckets. */
export async function fetchStepRange(
  plugin: string,
  tag: string,
  run: string,
  startStep: number,
  endStep: number,
  buckets: number,
  signal: AbortSignal,
): Promise<RunSeries> {
  const path = `data/plugin/${plugin}/series?${query({
    run,
    tag,
    buckets,
    start_step: Math.floor(startStep),
    end_step: Math.ceil(endStep),
  })}`;
  return toSeries(run, await getJSON<SeriesPayload>(path, { signal }));
}

/** TensorBoard's CSV route for one run: `Wall time,Step,Value` rows. */
export function csvUrlPath(plugin: string, run: string, tag: string): string {
  return `data/plugin/${plugin}/scalars?${query({ run, tag, format: 'csv' })}`;
}

/** `[[wall_time, step, value], ...]` per run, every stored point (TensorBoard's shape). */
export type ScalarRows = Array<[number, number, number | string]>;

/** One run's full series in TensorBoard's row shape. */
export function fetchRows(plugin: string, run: string, tag: string): Promise<ScalarRows> {
  return getJSON<ScalarRows>(`data/plugin/${plugin}/scalars?${query({ run, tag })}`);
}

/** Several runs' full series in TensorBoard's row shape (absent runs left out). */
export function fetchRowsMultirun(
  plugin: string,
  tag: string,
  runs: string[],
): Promise<Record<string, ScalarRows>> {
  return postFormJSON(`data/plugin/${plugin}/scalars_multirun`, { tag, runs });
}

/** CSV of several runs' rows with a leading `Run` column. */
export function rowsToCsv(rows: Record<string, ScalarRows>): string {
  const lines = ['Run,Wall time,Step,Value'];
  for (const [run, points] of Object.entries(rows)) {
    const quoted = /[",\n]/.test(run) ? `"${run.replace(/"/g, '""')}"` : run;
    for (const [wall, step, value] of points) lines.push(`${quoted},${wall},${step},${value}`);
  }
  return `${lines.join('\n')}\n`;
}
