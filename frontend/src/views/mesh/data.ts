// Meshes from the server: which steps a mesh has, and one step's vertices, faces and colours as
// typed arrays (the `data` route sends raw little-endian numbers).
import { ApiError, apiUrl, getJSON } from '../../api';
import { query } from '../../lib/http';

/** `data/plugin/mesh/tags`: run -> mesh name -> how many meshes each step holds. */
export type MeshTags = Record<string, Record<string, { samples: number }>>;

/** One entry of `data/plugin/mesh/meshes`: a component of the mesh at a step. */
export interface MeshEntry {
  wall_time: number;
  step: number;
  /** 1 vertices, 2 faces, 3 colours. */
  content_type: number;
  components: number;
  /** JSON of three.js settings given to `add_mesh(config_dict=...)`. */
  config: string;
  data_shape: number[];
}

/** The three.js settings a script may pass: camera field of view, point size. */
export interface MeshConfig {
  camera?: { fov?: number };
  material?: { size?: number };
}

export interface MeshData {
  /** x, y, z per vertex. */
  vertices: Float32Array;
  /** Three vertex indices per triangle, or null for a point cloud. */
  faces: Int32Array | null;
  /** r, g, b bytes per vertex, or null for the default colour. */
  colors: Uint8Array | null;
  config: MeshConfig;
}

const VERTEX = 1;
const FACE = 2;
const COLOR = 3;

export async function fetchEntries(
  plugin: string,
  run: string,
  tag: string,
  signal: AbortSignal,
): Promise<MeshEntry[]> {
  return getJSON<MeshEntry[]>(`data/plugin/${plugin}/meshes?${query({ run, tag })}`, { signal });
}

/** The distinct steps of the entries, ascending. */
export function meshSteps(entries: MeshEntry[]): number[] {
  return [...new Set(entries.map((entry) => entry.step))].sort((a, b) => a - b);
}

function parseConfig(text: string | undefined): MeshConfig {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as MeshConfig) : {};
  } catch {
    return {}; // a config three.js could not use either: draw with the defaults
  }
}

async function fetchBytes(path: string, signal: AbortSignal): Promise<ArrayBuffer> {
  const url = apiUrl(path);
  const response = await fetch(url, { signal });
  if (!response.ok) {
    throw new ApiError(url, response.status, await response.text().catch(() => ''));
  }
  return response.arrayBuffer();
}

/** The mesh `tag` of `run` at `step`: only the components logged at that step are fetched. */
export async function fetchMesh(
  plugin: string,
  run: string,
  tag: string,
  step: number,
  sample: number,
  entries: MeshEntry[],
  signal: AbortSignal,
): Promise<MeshData> {
  const atStep = entries.filter((entry) => entry.step === step);
  const has = (type: number) => atStep.some((entry) => entry.content_type === type);
  const part = (name: string) =>
    fetchBytes(
      `data/plugin/${plugin}/data?${query({ run, tag, content_type: name, sample, step })}`,
      signal,
    );
  const [vertices, faces, colors] = await Promise.all([
    part('VERTEX'),
    has(FACE) ? part('FACE') : Promise.resolve(null),
    has(COLOR) ? part('COLOR') : Promise.resolve(null),
  ]);
  const config = parseConfig(atStep.find((entry) => entry.content_type === VERTEX)?.config);
  return {
    vertices: new Float32Array(vertices),
    faces: faces ? new Int32Array(faces) : null,
    colors: colors ? new Uint8Array(colors) : null,
    config,
  };
}
