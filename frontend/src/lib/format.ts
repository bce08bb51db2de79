// Numbers and times as the views print them.

/** A value for a tooltip: 4 significant digits, exponent for very large or small magnitudes. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** A step count, compact on axes: 1500 -> "1.5k", 2000000 -> "2M". */
export function formatStep(step: number): string {
  const magnitude = Math.abs(step);
  if (magnitude >= 1e9) return `${Number((step / 1e9).toPrecision(3))}G`;
  if (magnitude >= 1e6) return `${Number((step / 1e6).toPrecision(3))}M`;
  if (magnitude >= 1e4) return `${Number((step / 1e3).toPrecision(3))}k`;
  return String(Math.round(step * 1000) / 1000);
}

/** A duration in seconds: "42s", "3.5 min", "2.25 h", "1.5 d". */
export function formatDuration(seconds: number): string {
  const magnitude = Math.abs(seconds);
  if (magnitude < 60) return `${Number(seconds.toPrecision(3))}s`;
  if (magnitude < 3600) return `${Number((seconds / 60).toPrecision(3))} min`;
  if (magnitude < 86400 * 2) return `${Number((seconds / 3600).toPrecision(3))} h`;
  return `${Number((seconds / 86400).toPrecision(3))} d`;
}

/** A wall time (epoch seconds) in the user's locale. */
export function formatWallTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString();
}
