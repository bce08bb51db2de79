// A stable colour per run: the run's position in the server's run list (which only ever grows),
// so a run keeps its colour whatever is filtered or hidden, and across reloads.

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#3f51b5',
  '#f06292',
  '#009688',
  '#ffb300',
  '#6d4c41',
  '#00acc1',
];

/** The colour of the run at `index` in `data/runs`; past the palette, hues by the golden angle. */
export function runColor(index: number): string {
  if (index >= 0 && index < PALETTE.length) return PALETTE[index];
  const hue = Math.round((Math.max(0, index) * 137.508) % 360);
  return `hsl(${hue} 62% 48%)`;
}

/** `color` with an alpha, for a faded twin line (works for #rrggbb and hsl()). */
export function withAlpha(color: string, alpha: number): string {
  if (color.startsWith('#') && color.length === 7) {
    const hex = Math.round(alpha * 255)
      .toString(16)
      .padStart(2, '0');
    return `${color}${hex}`;
  }
  return color.replace(/\)$/, ` / ${alpha})`);
}
