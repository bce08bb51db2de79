// The explanation record as torchscope.explain.explanation_record writes it (docs/explain.md),
// and the few questions the views ask of it.

export interface MapEntry {
  encoding: 'png' | 'float';
  png?: string;
  values?: number[][];
  height: number;
  width: number;
  min: number;
  max: number;
  signed: boolean;
  scale?: 'minmax' | 'symmetric';
}

export interface ClassRef {
  index: number;
  label: string | null;
}

export interface Prediction extends ClassRef {
  score: number;
  probability: number;
}

export interface TargetMaps extends ClassRef {
  maps: Record<string, MapEntry>;
}

export interface ExplanationRecord {
  format: string;
  image: { png: string; height: number; width: number };
  target: ClassRef;
  predictions?: Prediction[];
  methods: string[];
  maps: Record<string, MapEntry>;
  /** Maps for several targets of the same image (torchscope.client.combine_targets). */
  targets?: TargetMaps[];
}

/** Every target the record holds maps for; the record's own target first when it has one list. */
export function targetsOf(record: ExplanationRecord): TargetMaps[] {
  if (Array.isArray(record.targets) && record.targets.length > 0) return record.targets;
  return [{ index: record.target.index, label: record.target.label, maps: record.maps }];
}

/** What the target picker lists: the top predictions, plus the target if it is not among them. */
export function pickable(record: ExplanationRecord): Prediction[] {
  const predictions = Array.isArray(record.predictions) ? [...record.predictions] : [];
  for (const target of targetsOf(record)) {
    if (!predictions.some((p) => p.index === target.index)) {
      predictions.push({ ...target, score: Number.NaN, probability: Number.NaN });
    }
  }
  return predictions;
}

export function className(ref: ClassRef): string {
  return ref.label ?? `class ${ref.index}`;
}

/** "grad_cam_pp" -> "Grad-CAM++"; other names with spaces for underscores. */
const METHOD_LABELS: Record<string, string> = {
  saliency: 'Saliency',
  deconvnet: 'Deconvnet',
  guided_backprop: 'Guided backprop',
  grad_cam: 'Grad-CAM',
  grad_cam_pp: 'Grad-CAM++',
  guided_grad_cam: 'Guided Grad-CAM',
  integrated_gradients: 'Integrated gradients',
  smooth_grad: 'SmoothGrad',
  occlusion: 'Occlusion',
};

export function methodLabel(name: string): string {
  return METHOD_LABELS[name] ?? name.replace(/_/g, ' ');
}

export function pngUrl(base64: string): string {
  return `data:image/png;base64,${base64}`;
}
