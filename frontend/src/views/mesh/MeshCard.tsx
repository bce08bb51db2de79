// One mesh of one run: a three.js scene with orbit controls, a step slider and a camera reset.
// The WebGL context exists only while the card is on screen (browsers allow few at once), and
// is freed when the card scrolls away or unmounts.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatWallTime } from '../../lib/format';
import { isAbort } from '../../lib/http';
import { cssVar, useInView } from '../../lib/hooks';
import { fetchEntries, fetchMesh, type MeshData, type MeshEntry, meshSteps } from './data';
import { MeshScene, type SceneStats } from './scene';

const SCENE_HEIGHT = 320;

interface Props {
  plugin: string;
  run: string;
  tag: string;
  color: string;
  /** Meshes per step (`add_mesh` takes a batch). */
  samples: number;
  theme: string;
  pollTick: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let cardCount = 0;

export function MeshCard({ plugin, run, tag, color, samples, theme, pollTick }: Props) {
  const titleId = useMemo(() => `mesh-card-title-${++cardCount}`, []);
  const cardRef = useRef<HTMLElement>(null);
  const inView = useInView(cardRef);
  const [entries, setEntries] = useState<MeshEntry[] | null>(null);
  // null follows the newest step as new ones arrive.
  const [chosenStep, setChosenStep] = useState<number | null>(null);
  const [sample, setSample] = useState(0);
  const [mesh, setMesh] = useState<MeshData | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!inView) return;
    const abort = new AbortController();
    fetchEntries(plugin, run, tag, abort.signal).then(
      (answer) => {
        setEntries((previous) =>
          previous && JSON.stringify(previous) === JSON.stringify(answer) ? previous : answer,
        );
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(errorText(reason));
      },
    );
    return () => abort.abort();
  }, [inView, plugin, run, tag, pollTick]);

  const steps = useMemo(() => meshSteps(entries ?? []), [entries]);
  const step = chosenStep !== null && steps.includes(chosenStep) ? chosenStep : steps.at(-1);
  const stepIndex = step === undefined ? 0 : steps.indexOf(step);
  const wallTime = entries?.find((entry) => entry.step === step)?.wall_time;

  useEffect(() => {
    if (!inView || !entries || step === undefined) return;
    const abort = new AbortController();
    fetchMesh(plugin, run, tag, step, sample, entries, abort.signal).then(
      (data) => {
        setMesh(data);
        setError(null);
      },
      (reason: unknown) => {
        if (!isAbort(reason)) setError(errorText(reason));
      },
    );
    return () => abort.abort();
  }, [inView, plugin, run, tag, step, sample, entries]);

  return (
    <article
      ref={cardRef}
      class="card mesh-card"
      aria-labelledby={titleId}
      data-run={run}
      data-tag={tag}
      data-step={step ?? ''}
    >
      <header class="card-head">
        <h3 class="card-title" id={titleId}>
          {tag}
        </h3>
        <span class="card-sub">
          <span class="swatch" style={{ background: color }} /> {run}
        </span>
      </header>
      {inView && mesh ? (
        <SceneHost mesh={mesh} theme={theme} cardRef={cardRef} label={`${tag} of ${run}`} />
      ) : (
        <div class="mesh-placeholder" style={{ height: `${SCENE_HEIGHT}px` }}>
          {!error && <span class="loading">Loading…</span>}
        </div>
      )}
      {error && <p class="card-error">Could not load this mesh: {error}</p>}
      <div class="mesh-controls">
        {steps.length > 1 && (
          <label class="setting-row mesh-step">
            <span>Step</span>
            <input
              type="range"
              min={0}
              max={steps.length - 1}
              step={1}
              value={stepIndex}
              aria-valuetext={`step ${step}`}
              onInput={(event) =>
                setChosenStep(steps[Number((event.target as HTMLInputElement).value)] ?? null)
              }
            />
          </label>
        )}
        {samples > 1 && (
          <label class="mesh-sample">
            Mesh{' '}
            <select
              value={sample}
              onChange={(event) => setSample(Number((event.target as HTMLSelectElement).value))}
            >
              {Array.from({ length: samples }, (_, i) => (
                <option key={i} value={i}>
                  {i + 1} of {samples}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p class="card-note">
        Step {step ?? '–'}
        {wallTime ? ` · ${formatWallTime(wallTime)}` : ''}
        {steps.length > 1 ? ` · ${stepIndex + 1} of ${steps.length} steps` : ''}
      </p>
    </article>
  );
}

interface SceneHostProps {
  mesh: MeshData;
  theme: string;
  label: string;
  cardRef: { current: HTMLElement | null };
}

/** The element three.js draws into; the scene lives exactly as long as this component. */
function SceneHost({ mesh, theme, label, cardRef }: SceneHostProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<MeshScene | null>(null);
  const [stats, setStats] = useState<SceneStats | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let renders = 0;
    const scene = new MeshScene(host, () => {
      renders += 1;
      if (cardRef.current) cardRef.current.dataset.renders = String(renders);
    });
    sceneRef.current = scene;
    const sizer = new ResizeObserver(() => scene.resize(host.clientWidth, SCENE_HEIGHT));
    sizer.observe(host);
    scene.resize(host.clientWidth, SCENE_HEIGHT);
    return () => {
      sizer.disconnect();
      scene.dispose();
      sceneRef.current = null;
      const card = cardRef.current;
      if (card) {
        delete card.dataset.vertices;
        delete card.dataset.faces;
        delete card.dataset.renders;
      }
    };
  }, []);

  useEffect(() => {
    sceneRef.current?.setBackground(cssVar('--surface'));
  }, [theme]);

  useEffect(() => {
    const scene = sceneRef.current;
    if (!scene) return;
    const drawn = scene.setMesh(mesh);
    setStats(drawn);
    const card = cardRef.current;
    if (card) {
      card.dataset.vertices = String(drawn.vertices);
      card.dataset.faces = String(drawn.faces);
    }
  }, [mesh]);

  return (
    <>
      <div
        ref={hostRef}
        class="mesh-host"
        tabIndex={0}
        role="img"
        aria-label={
          `3-D view of ${label}` +
          (stats ? `: ${stats.vertices} vertices, ${stats.faces} faces. ` : '. ') +
          'Drag to rotate, right-drag or arrow keys to pan, Shift+arrows to rotate, wheel or ' +
          'plus and minus to zoom, 0 to reset the camera.'
        }
        style={{ height: `${SCENE_HEIGHT}px` }}
      />
      <div class="mesh-tools">
        <span class="card-note">
          {stats
            ? `${stats.vertices.toLocaleString()} vertices, ` +
              (stats.faces ? `${stats.faces.toLocaleString()} faces` : 'no faces: drawn as points')
            : ''}
        </span>
        <button
          type="button"
          class="button button-small"
          onClick={() => sceneRef.current?.resetCamera()}
        >
          Reset camera
        </button>
      </div>
    </>
  );
}
