// A labelled slider over the steps of a series, shared by the views that show one step at a
// time (audio, PR curves). The arrow keys move one step; Home and End jump to the ends.
import { formatStep } from './format';

interface Props {
  id: string;
  /** Read by screen readers, e.g. "Step of tone (train)". */
  label: string;
  /** The steps in order. */
  steps: number[];
  index: number;
  onChange: (index: number) => void;
}

export function StepSlider({ id, label, steps, index, onChange }: Props) {
  if (steps.length < 2) return null;
  return (
    <div class="setting-row step-slider">
      <label class="visually-hidden" for={id}>
        {label}
      </label>
      <input
        id={id}
        type="range"
        min={0}
        max={steps.length - 1}
        step={1}
        value={index}
        aria-valuetext={`step ${steps[index]}`}
        onInput={(event) => onChange(Number((event.target as HTMLInputElement).value))}
      />
      <span class="setting-value" title={`step ${steps[index]}`}>
        {formatStep(steps[index])}
      </span>
    </div>
  );
}
