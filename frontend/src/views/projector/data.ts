// The projector's server calls: embeddings, metadata, projection jobs and neighbours.
import { ApiError, apiUrl, getJSON } from '../../api';
import { query } from '../../lib/http';

export interface EmbeddingInfo {
  tensorName: string;
  tensorShape: number[];
  metadataPath?: string;
  sprite?: { imagePath: string; singleImageDim: number[] };
}

export interface ProjectorInfo {
  embeddings: EmbeddingInfo[];
}

/** Metadata as columns of strings, one value per point. */
export interface Metadata {
  columns: string[];
  values: string[][];
}

export type Method = 'pca' | 'tsne' | 'umap';

/** `GET projection?job=ID`. */
export interface JobState {
  id: string;
  status: 'queued' | 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  phase: string | null;
  iteration: number;
  total: number;
  fraction: number;
  error: string | null;
  shape: number[] | null;
  queue_position: number | null;
  explained_variance_ratio?: number[];
}

export interface Neighbors {
  indices: number[];
  distances: number[];
}

/** A row-major float32 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  values: Float32Array;
}

function base(plugin: string): string {
  return `data/plugin/${plugin}`;
}

async function fetchOk(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok) {
    throw new ApiError(url, response.status, await response.text().catch(() => ''));
  }
  return response;
}

/** A raw float32 answer with its `X-...-Shape: rows,cols` header. */
async function fetchMatrix(url: string, header: string, signal?: AbortSignal): Promise<Matrix> {
  const response = await fetchOk(url, { signal, cache: 'no-store' });
  const [rows, cols] = (response.headers.get(header) ?? '0,0').split(',').map(Number);
  const values = new Float32Array(await response.arrayBuffer());
  if (values.length !== rows * cols) throw new Error(`expected ${rows}x${cols} values`);
  return { rows, cols, values };
}

export function fetchRuns(plugin: string, signal?: AbortSignal): Promise<string[]> {
  return getJSON<string[]>(`${base(plugin)}/runs`, { signal });
}

export function fetchInfo(plugin: string, run: string, signal?: AbortSignal) {
  return getJSON<ProjectorInfo>(`${base(plugin)}/info?${query({ run })}`, { signal });
}

export function fetchTensor(plugin: string, run: string, name: string, signal?: AbortSignal) {
  return fetchMatrix(
    apiUrl(`${base(plugin)}/tensor?${query({ run, name })}`),
    'X-Tensor-Shape',
    signal,
  );
}

/** TensorBoard's metadata TSV: a header line only when there are several columns. */
export function parseMetadata(text: string, points: number): Metadata {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines.at(-1) === '') lines.pop();
  const multi = lines.length > 0 && lines[0].includes('\t');
  const columns = multi ? lines[0].split('\t') : ['label'];
  const rows = multi ? lines.slice(1) : lines;
  const values = columns.map(() => new Array<string>(points).fill(''));
  for (let i = 0; i < Math.min(points, rows.length); i++) {
    const cells = rows[i].split('\t');
    for (let c = 0; c < columns.length; c++) values[c][i] = cells[c] ?? '';
  }
  return { columns, values };
}

export async function fetchMetadata(
  plugin: string,
  run: string,
  name: string,
  points: number,
  signal?: AbortSignal,
): Promise<Metadata> {
  const url = apiUrl(`${base(plugin)}/metadata?${query({ run, name })}`);
  const response = await fetchOk(url, { signal });
  return parseMetadata(await response.text(), points);
}

export function spriteUrl(plugin: string, run: string, name: string): string {
  return apiUrl(`${base(plugin)}/sprite_image?${query({ run, name })}`);
}

export async function startProjection(
  plugin: string,
  body: { run: string; name: string; method: Method; dims: number; params: object },
): Promise<string> {
  const url = apiUrl(`${base(plugin)}/projection`);
  const response = await fetchOk(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  return ((await response.json()) as { job_id: string }).job_id;
}

export function pollProjection(plugin: string, job: string, signal?: AbortSignal) {
  return getJSON<JobState>(`${base(plugin)}/projection?${query({ job })}`, { signal });
}

/** The job's layout (final, or the latest while t-SNE/UMAP converge). */
export function fetchLayout(plugin: string, job: string, signal?: AbortSignal) {
  return fetchMatrix(
    apiUrl(`${base(plugin)}/projection?${query({ job, format: 'f32' })}`),
    'X-Projection-Shape',
    signal,
  );
}

export async function cancelProjection(plugin: string, job: string): Promise<void> {
  await fetch(apiUrl(`${base(plugin)}/projection?${query({ job })}`), { method: 'DELETE' });
}

export function fetchNeighbors(
  plugin: string,
  params: { run: string; name: string; index: number; k: number; metric: string },
  signal?: AbortSignal,
) {
  return getJSON<Neighbors>(`${base(plugin)}/neighbors?${query(params)}`, { signal });
}

/** The server's message of a failed call (the body of a 4xx), else the error's text. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError && error.body) return error.body;
  return error instanceof Error ? error.message : String(error);
}
