// The point cloud: one three.js `Points` over one BufferGeometry (one draw call for any number
// of points), positions, colours and sizes as attributes, a round-point shader, orbit controls,
// raycast hover and click, and a few HTML labels. It draws only when something changed.
import {
  BufferAttribute,
  BufferGeometry,
  Color,
  OrthographicCamera,
  PerspectiveCamera,
  Points,
  Raycaster,
  Scene,
  ShaderMaterial,
  Vector2,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

/** How near (CSS pixels) the pointer must come to a point to pick it. */
const PICK_PIXELS = 7;

/** Point diameter in CSS pixels: large for a few points, small for a crowd. */
function pointPixels(count: number): number {
  if (count <= 2_000) return 9;
  if (count <= 20_000) return 6;
  return 3.5;
}
const MAX_LABELS = 24;

const VERTEX = /* glsl */ `
attribute float size;
attribute vec3 color;
uniform float pixelScale;
uniform float perspective;
uniform float zoom;
varying vec3 pointColor;
void main() {
  pointColor = color;
  vec4 viewPosition = modelViewMatrix * vec4(position, 1.0);
  gl_Position = projectionMatrix * viewPosition;
  if (size <= 0.0) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // hidden points land outside the clip volume
  }
  float scale = perspective > 0.5 ? 3.0 / -viewPosition.z : sqrt(zoom);
  gl_PointSize = max(2.0, size * pixelScale * scale);
}`;

const FRAGMENT = /* glsl */ `
varying vec3 pointColor;
void main() {
  vec2 offset = gl_PointCoord - vec2(0.5);
  if (dot(offset, offset) > 0.25) discard;
  gl_FragColor = vec4(pointColor, 1.0);
  #include <colorspace_fragment>
}`;

export interface Highlight {
  /** Points shown (null: all); the others are hidden and cannot be picked. */
  visible: Uint8Array | null;
  selected: number | null;
  hovered: number | null;
  neighbors: number[];
}

export interface CloudEvents {
  hover: (index: number | null) => void;
  pick: (index: number | null) => void;
  /** After every drawn frame, with the number of frames drawn so far. */
  frame: (frames: number) => void;
}

export class PointCloud {
  readonly canvas: HTMLCanvasElement;
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly perspectiveCamera = new PerspectiveCamera(45, 1, 0.01, 100);
  private readonly orthoCamera = new OrthographicCamera(-1, 1, 1, -1, -100, 100);
  private camera: PerspectiveCamera | OrthographicCamera = this.perspectiveCamera;
  private controls: OrbitControls;
  private readonly geometry = new BufferGeometry();
  private readonly material: ShaderMaterial;
  private readonly points: Points;
  private readonly raycaster = new Raycaster();
  private readonly labelLayer: HTMLDivElement;
  private count = 0;
  private dims = 3;
  private highlight: Highlight = { visible: null, selected: null, hovered: null, neighbors: [] };
  private labels = new Map<number, string>();
  private frameRequest = 0;
  private pointerRequest = 0;
  private frames = 0;
  private downAt: { x: number; y: number } | null = null;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly container: HTMLElement,
    private readonly events: CloudEvents,
  ) {
    // preserveDrawingBuffer keeps the last frame readable (screenshots, tests' pixel reads).
    this.renderer = new WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.canvas = this.renderer.domElement;
    this.canvas.tabIndex = 0;
    this.container.append(this.canvas);
    this.labelLayer = document.createElement('div');
    this.labelLayer.className = 'projector-labels';
    this.container.append(this.labelLayer);
    this.material = new ShaderMaterial({
      vertexShader: VERTEX,
      fragmentShader: FRAGMENT,
      uniforms: {
        pixelScale: { value: pointPixels(0) * this.renderer.getPixelRatio() },
        perspective: { value: 1 },
        zoom: { value: 1 },
      },
    });
    this.points = new Points(this.geometry, this.material);
    this.points.frustumCulled = false;
    this.scene.add(this.points);
    this.controls = this.makeControls();
    this.canvas.addEventListener('pointermove', this.onPointerMove);
    this.canvas.addEventListener('pointerleave', this.onPointerLeave);
    this.canvas.addEventListener('pointerdown', this.onPointerDown);
    this.canvas.addEventListener('pointerup', this.onPointerUp);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.container);
    this.resize();
  }

  /** Lay the points out: `values` holds `cols` numbers per point, of which the first 2 or 3. */
  setLayout(values: Float32Array, cols: number, dims: number, reframe: boolean): void {
    const count = Math.floor(values.length / Math.max(1, cols));
    const positions = normalized(values, cols, dims, count);
    if (count !== this.count) {
      this.count = count;
      this.material.uniforms.pixelScale.value = pointPixels(count) * this.renderer.getPixelRatio();
      this.geometry.setAttribute('position', new BufferAttribute(positions, 3));
      this.geometry.setAttribute('color', new BufferAttribute(new Float32Array(count * 3), 3));
      this.geometry.setAttribute('size', new BufferAttribute(new Float32Array(count), 1));
      this.applyHighlight();
    } else {
      const attribute = this.geometry.getAttribute('position') as BufferAttribute;
      (attribute.array as Float32Array).set(positions);
      attribute.needsUpdate = true;
    }
    this.geometry.computeBoundingSphere();
    if (dims !== this.dims || reframe) {
      this.dims = dims;
      this.switchCamera();
    }
    this.requestRender();
  }

  /** Linear RGB per point. */
  setColors(rgb: Float32Array): void {
    const attribute = this.geometry.getAttribute('color') as BufferAttribute | undefined;
    if (!attribute || rgb.length !== attribute.array.length) return;
    (attribute.array as Float32Array).set(rgb);
    attribute.needsUpdate = true;
    this.requestRender();
  }

  setHighlight(highlight: Highlight): void {
    this.highlight = highlight;
    this.applyHighlight();
    this.requestRender();
  }

  /** Text shown beside these points. */
  setLabels(labels: Map<number, string>): void {
    this.labels = labels;
    this.requestRender();
  }

  setBackground(color: string): void {
    this.scene.background = new Color(color);
    this.requestRender();
  }

  /** Back to the starting view. */
  resetCamera(): void {
    this.switchCamera();
    this.requestRender();
  }

  /** Where point `index` is on the canvas (CSS pixels), or null when it is not laid out. */
  screenPosition(index: number): [number, number] | null {
    const position = this.geometry.getAttribute('position') as BufferAttribute | undefined;
    if (!position || index < 0 || index >= this.count) return null;
    const point = new Vector3().fromBufferAttribute(position, index).project(this.camera);
    const rect = this.canvas.getBoundingClientRect();
    return [((point.x + 1) / 2) * rect.width, ((1 - point.y) / 2) * rect.height];
  }

  /** Rotate the 3-D view by `radians` around the vertical axis (one frame). */
  rotate(radians: number): void {
    const offset = this.camera.position.clone().sub(this.controls.target);
    offset.applyAxisAngle(new Vector3(0, 1, 0), radians);
    this.camera.position.copy(this.controls.target).add(offset);
    this.camera.lookAt(this.controls.target);
    this.controls.update();
    this.requestRender();
  }

  dispose(): void {
    cancelAnimationFrame(this.frameRequest);
    cancelAnimationFrame(this.pointerRequest);
    this.resizeObserver.disconnect();
    this.controls.dispose();
    this.geometry.dispose();
    this.material.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.canvas.remove();
    this.labelLayer.remove();
  }

  // -- drawing ---------------------------------------------------------------------------------

  private requestRender = (): void => {
    if (this.frameRequest) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = 0;
      this.render();
    });
  };

  private render(): void {
    if (this.camera instanceof OrthographicCamera) {
      this.material.uniforms.zoom.value = this.camera.zoom;
    }
    this.renderer.render(this.scene, this.camera);
    this.placeLabels();
    this.frames += 1;
    this.events.frame(this.frames);
  }

  private placeLabels(): void {
    const nodes: HTMLElement[] = [];
    const { visible } = this.highlight;
    for (const [index, text] of this.labels) {
      if (nodes.length >= MAX_LABELS) break;
      if (visible && !visible[index]) continue;
      const at = this.screenPosition(index);
      if (!at) continue;
      const label = document.createElement('span');
      label.className = index === this.highlight.selected ? 'label selected' : 'label';
      label.textContent = text;
      label.style.transform = `translate(${Math.round(at[0] + 8)}px, ${Math.round(at[1] - 8)}px)`;
      nodes.push(label);
    }
    this.labelLayer.replaceChildren(...nodes);
  }

  private applyHighlight(): void {
    const attribute = this.geometry.getAttribute('size') as BufferAttribute | undefined;
    if (!attribute) return;
    const sizes = attribute.array as Float32Array;
    const { visible, selected, hovered, neighbors } = this.highlight;
    const focused = selected !== null;
    for (let i = 0; i < this.count; i++) {
      // With a selection, the other points shrink so the neighbourhood stands out.
      sizes[i] = visible && !visible[i] ? 0 : focused ? 0.7 : 1;
    }
    for (const index of neighbors) if (index < this.count && sizes[index] > 0) sizes[index] = 1.9;
    if (hovered !== null && hovered < this.count && sizes[hovered] > 0) sizes[hovered] = 2.2;
    if (selected !== null && selected < this.count) sizes[selected] = 2.6;
    attribute.needsUpdate = true;
  }

  // -- cameras ---------------------------------------------------------------------------------

  private makeControls(): OrbitControls {
    const controls = new OrbitControls(this.camera, this.canvas);
    controls.enableRotate = this.dims === 3;
    controls.screenSpacePanning = true;
    controls.zoomToCursor = true;
    controls.listenToKeyEvents(this.canvas);
    controls.addEventListener('change', this.requestRender);
    return controls;
  }

  private switchCamera(): void {
    this.controls.dispose();
    if (this.dims === 3) {
      this.camera = this.perspectiveCamera;
      this.camera.position.set(1.6, 1.1, 2.4);
    } else {
      this.camera = this.orthoCamera;
      this.orthoCamera.zoom = 1;
      this.camera.position.set(0, 0, 10);
    }
    this.camera.up.set(0, 1, 0);
    this.camera.lookAt(0, 0, 0);
    this.material.uniforms.perspective.value = this.dims === 3 ? 1 : 0;
    this.controls = this.makeControls();
    this.resize();
  }

  private resize(): void {
    const width = Math.max(1, this.container.clientWidth);
    const height = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(width, height, false);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const aspect = width / height;
    this.perspectiveCamera.aspect = aspect;
    this.perspectiveCamera.updateProjectionMatrix();
    // The ortho view keeps the unit disc in sight with a margin, whatever the aspect.
    const half = 1.15;
    this.orthoCamera.left = -half * Math.max(1, aspect);
    this.orthoCamera.right = half * Math.max(1, aspect);
    this.orthoCamera.top = half / Math.min(1, aspect);
    this.orthoCamera.bottom = -half / Math.min(1, aspect);
    this.orthoCamera.updateProjectionMatrix();
    this.requestRender();
  }

  // -- picking ---------------------------------------------------------------------------------

  private pick(clientX: number, clientY: number): number | null {
    if (!this.count) return null;
    const rect = this.canvas.getBoundingClientRect();
    const pointer = new Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    this.raycaster.setFromCamera(pointer, this.camera);
    // The threshold is world units: the world size of PICK_PIXELS at the orbit target.
    let worldPerPixel: number;
    if (this.camera instanceof OrthographicCamera) {
      worldPerPixel = (this.camera.top - this.camera.bottom) / this.camera.zoom / rect.height;
    } else {
      const distance = this.camera.position.distanceTo(this.controls.target);
      const fov = (this.camera.fov * Math.PI) / 180;
      worldPerPixel = (2 * distance * Math.tan(fov / 2)) / rect.height;
    }
    this.raycaster.params.Points = { threshold: PICK_PIXELS * worldPerPixel };
    const { visible } = this.highlight;
    let best: number | null = null;
    let bestRay = Number.POSITIVE_INFINITY;
    for (const hit of this.raycaster.intersectObject(this.points)) {
      const index = hit.index;
      if (index === undefined || (visible && !visible[index])) continue;
      // Nearest to the pointer's ray first, then nearest to the camera.
      const ray = (hit.distanceToRay ?? 0) + hit.distance * 1e-6;
      if (ray < bestRay) {
        bestRay = ray;
        best = index;
      }
    }
    return best;
  }

  private onPointerMove = (event: PointerEvent): void => {
    if (event.buttons) return; // dragging: orbit, not hover
    const { clientX, clientY } = event;
    cancelAnimationFrame(this.pointerRequest);
    this.pointerRequest = requestAnimationFrame(() => {
      this.events.hover(this.pick(clientX, clientY));
    });
  };

  private onPointerLeave = (): void => {
    cancelAnimationFrame(this.pointerRequest);
    this.events.hover(null);
  };

  private onPointerDown = (event: PointerEvent): void => {
    this.downAt = { x: event.clientX, y: event.clientY };
  };

  private onPointerUp = (event: PointerEvent): void => {
    const start = this.downAt;
    this.downAt = null;
    // A click, not the end of a drag.
    if (!start || Math.hypot(event.clientX - start.x, event.clientY - start.y) > 4) return;
    this.events.pick(this.pick(event.clientX, event.clientY));
  };
}

/** Centre the layout and scale it into the unit ball; 2-D layouts lie at z = 0. */
function normalized(values: Float32Array, cols: number, dims: number, count: number) {
  const positions = new Float32Array(count * 3);
  const used = Math.min(dims, cols);
  const centre = [0, 0, 0];
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < used; d++) centre[d] += values[i * cols + d] / count;
  }
  let radius = 0;
  for (let i = 0; i < count; i++) {
    let squared = 0;
    for (let d = 0; d < used; d++) {
      const value = values[i * cols + d] - centre[d];
      positions[i * 3 + d] = value;
      squared += value * value;
    }
    radius = Math.max(radius, squared);
  }
  const scale = radius > 0 ? 1 / Math.sqrt(radius) : 1;
  for (let i = 0; i < positions.length; i++) positions[i] *= scale;
  return positions;
}
