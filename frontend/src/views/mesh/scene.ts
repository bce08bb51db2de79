// One mesh drawn with three.js: a triangle mesh (lit, flat-shaded) when faces were logged,
// points otherwise, with orbit controls. It draws only when something changed (no animation
// loop), and `dispose()` frees every GPU resource and the WebGL context.
import {
  AmbientLight,
  BufferAttribute,
  BufferGeometry,
  Color,
  DirectionalLight,
  DoubleSide,
  type Material,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Points,
  PointsMaterial,
  Scene,
  Sphere,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import type { MeshData } from './data';

/** What the card shows about the drawn mesh (tests wait on it too). */
export interface SceneStats {
  vertices: number;
  faces: number;
}

/** sRGB bytes to the linear floats three.js expects for vertex colours. */
function linearColors(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] / 255;
    out[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  return out;
}

export class MeshScene {
  readonly canvas: HTMLCanvasElement;
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(50, 1, 0.01, 1000);
  private readonly controls: OrbitControls;
  private object: Mesh | Points | null = null;
  private bounds = new Sphere(new Vector3(), 1);
  private framed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly onRender: () => void,
  ) {
    // preserveDrawingBuffer keeps the last frame readable (screenshots, tests' pixel reads).
    this.renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.canvas = this.renderer.domElement;
    this.container.append(this.canvas);
    this.scene.add(new AmbientLight(0xffffff, 0.9));
    // The light follows the camera, so the side facing the viewer is always lit.
    const light = new DirectionalLight(0xffffff, 1.8);
    light.position.set(1, 1, 2);
    this.camera.add(light);
    this.scene.add(this.camera);
    this.controls = new OrbitControls(this.camera, this.canvas);
    this.controls.listenToKeyEvents(this.container);
    this.controls.addEventListener('change', this.render);
    this.container.addEventListener('keydown', this.onKey);
  }

  /** Replace the drawn mesh; the camera frames the first one and keeps its place after. */
  setMesh(data: MeshData): SceneStats {
    this.clearObject();
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new BufferAttribute(data.vertices, 3));
    const vertexCount = data.vertices.length / 3;
    const colored = data.colors !== null && data.colors.length === data.vertices.length;
    if (colored && data.colors) {
      geometry.setAttribute('color', new BufferAttribute(linearColors(data.colors), 3));
    }
    geometry.computeBoundingSphere();
    this.bounds = geometry.boundingSphere?.clone() ?? new Sphere(new Vector3(), 1);
    if (!(this.bounds.radius > 0)) this.bounds.radius = 1;
    let faceCount = 0;
    if (data.faces && data.faces.length >= 3) {
      const valid = data.faces.every((index) => index >= 0 && index < vertexCount);
      if (valid) {
        geometry.setIndex(new BufferAttribute(new Uint32Array(data.faces), 1));
        geometry.computeVertexNormals();
        faceCount = data.faces.length / 3;
      }
    }
    if (faceCount > 0) {
      const material = new MeshStandardMaterial({
        color: colored ? 0xffffff : 0x8fa6c9,
        vertexColors: colored,
        side: DoubleSide,
        flatShading: true,
        roughness: 0.75,
        metalness: 0.05,
      });
      this.object = new Mesh(geometry, material);
    } else {
      const size = data.config.material?.size;
      const material = new PointsMaterial({
        color: colored ? 0xffffff : 0x1f77b4,
        vertexColors: colored,
        size: typeof size === 'number' && size > 0 ? size : this.bounds.radius / 40,
        sizeAttenuation: true,
      });
      this.object = new Points(geometry, material);
    }
    this.scene.add(this.object);
    const fov = data.config.camera?.fov;
    if (typeof fov === 'number' && fov > 1 && fov < 179) {
      this.camera.fov = fov;
      this.camera.updateProjectionMatrix();
    }
    if (!this.framed) this.resetCamera();
    else this.render();
    return { vertices: vertexCount, faces: faceCount };
  }

  /** Look at the whole mesh from a three-quarter view. */
  resetCamera(): void {
    this.framed = true;
    const { center, radius } = this.bounds;
    const distance = radius / Math.sin(((this.camera.fov / 2) * Math.PI) / 180);
    const direction = new Vector3(0.9, 0.7, 1.4).normalize();
    this.camera.position.copy(center).addScaledVector(direction, distance * 1.1);
    this.camera.near = Math.max(radius / 1000, 1e-4);
    this.camera.far = radius * 100 + distance;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(center);
    this.controls.update();
    this.render();
  }

  setBackground(color: string): void {
    this.scene.background = new Color(color || '#ffffff');
    this.render();
  }

  resize(width: number, height: number): void {
    this.renderer.setSize(width, height);
    this.camera.aspect = width / Math.max(1, height);
    this.camera.updateProjectionMatrix();
    this.render();
  }

  dispose(): void {
    this.container.removeEventListener('keydown', this.onKey);
    this.controls.removeEventListener('change', this.render);
    this.controls.stopListenToKeyEvents();
    this.controls.dispose();
    this.clearObject();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.canvas.remove();
  }

  private clearObject(): void {
    if (!this.object) return;
    this.scene.remove(this.object);
    this.object.geometry.dispose();
    (this.object.material as Material).dispose();
    this.object = null;
  }

  private readonly render = (): void => {
    this.renderer.render(this.scene, this.camera);
    this.onRender();
  };

  /** + and - zoom, 0 (or Home) resets the camera; the arrow keys pan (OrbitControls). */
  private readonly onKey = (event: KeyboardEvent): void => {
    const zoom = event.key === '+' || event.key === '=' ? 0.8 : event.key === '-' ? 1.25 : 0;
    if (zoom) {
      const target = this.controls.target;
      const offset = this.camera.position.clone().sub(target).multiplyScalar(zoom);
      this.camera.position.copy(target).add(offset);
      this.controls.update();
      this.render();
    } else if (event.key === '0' || event.key === 'Home') {
      this.resetCamera();
    } else {
      return;
    }
    event.preventDefault();
  };
}
