// How shapes, dtypes, counts and settings read on screen.

/** `[8, 3, 32, 32]` -> `8×3×32×32`; a scalar is `()`, unknown `?`. */
export function formatShape(shape: number[] | null | undefined): string {
  if (!shape) return '?';
  return shape.length ? shape.join('×') : '()';
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A setting's value as Python would print it: lists as tuples, strings quoted. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value))
    return `(${value.map(formatValue).join(', ')}${value.length === 1 ? ',' : ''})`;
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The label of an edge carrying `shapes` (several tensors between two boxes show the first). */
export function edgeLabel(shapes: (number[] | null)[]): string {
  const distinct = [...new Set(shapes.map(formatShape))];
  if (distinct.length <= 1) return distinct[0] ?? '';
  return `${distinct[0]} +${distinct.length - 1}`;
}
