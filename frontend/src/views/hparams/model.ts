// From the hparams routes to what the three panels draw: columns (hyperparameters, then
// metrics), one session per run, each column's scale, and the brushes that filter sessions.

/** `data/plugin/hparams/experiment` (TensorBoard's Experiment message as JSON). */
export interface Experiment {
  hparamInfos?: Array<{ name: string; displayName?: string; type?: string }>;
  metricInfos?: Array<{ name: { tag?: string; group?: string }; displayName?: string }>;
}

/** One entry of torchscope's `data/plugin/hparams/sessions`. */
export interface SessionPayload {
  run: string;
  hparams: Record<string, unknown>;
  metrics: Record<string, number | string>;
  status: string;
}

export type CellValue = number | string | null;

export interface Column {
  /** Unique among columns: `h:<name>` for a hyperparameter, `m:<group/tag>` for a metric. */
  key: string;
  label: string;
  kind: 'hparam' | 'metric';
  /** Whether every value present is a number (an axis with a scale, not categories). */
  numeric: boolean;
}

export interface Session {
  run: string;
  status: string;
  values: Record<string, CellValue>;
}

/** A metric's key in the sessions route: `group/tag`, or the tag alone. */
export function metricKey(name: { tag?: string; group?: string }): string {
  return name.group ? `${name.group}/${name.tag ?? ''}` : (name.tag ?? '');
}

/** A value the server sent: numbers stay numbers ("NaN"/"Infinity" too), booleans become text. */
function cellValue(raw: unknown): CellValue {
  if (typeof raw === 'number') return raw;
  if (raw === 'NaN') return Number.NaN;
  if (raw === 'Infinity') return Infinity;
  if (raw === '-Infinity') return -Infinity;
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  if (typeof raw === 'string') return raw;
  if (raw === null || raw === undefined) return null;
  return JSON.stringify(raw);
}

/** Columns and sessions: hyperparameters in the experiment's order, then its metrics. */
export function buildTable(
  experiment: Experiment,
  payload: SessionPayload[],
): { columns: Column[]; sessions: Session[] } {
  const hparamNames = (experiment.hparamInfos ?? []).map((info) => info.name);
  const labels = new Map<string, string>();
  for (const info of experiment.hparamInfos ?? [])
    labels.set(`h:${info.name}`, info.displayName || info.name);
  // Sessions can hold hyperparameters the experiment summary does not list.
  for (const session of payload) {
    for (const name of Object.keys(session.hparams)) {
      if (!hparamNames.includes(name)) hparamNames.push(name);
    }
  }
  const metricKeys = (experiment.metricInfos ?? []).map((info) => {
    const key = metricKey(info.name);
    labels.set(`m:${key}`, info.displayName || key);
    return key;
  });
  for (const session of payload) {
    for (const key of Object.keys(session.metrics))
      if (!metricKeys.includes(key)) metricKeys.push(key);
  }
  const sessions = payload.map((session) => {
    const values: Record<string, CellValue> = {};
    for (const name of hparamNames) values[`h:${name}`] = cellValue(session.hparams[name]);
    for (const key of metricKeys) values[`m:${key}`] = cellValue(session.metrics[key]);
    return { run: session.run, status: session.status, values };
  });
  const column = (key: string, kind: Column['kind'], name: string): Column => ({
    key,
    label: labels.get(key) ?? name,
    kind,
    numeric: sessions.every((session) => {
      const value = session.values[key];
      return value === null || typeof value === 'number';
    }),
  });
  return {
    columns: [
      ...hparamNames.map((name) => column(`h:${name}`, 'hparam', name)),
      ...metricKeys.map((key) => column(`m:${key}`, 'metric', key)),
    ],
    sessions,
  };
}

/** Where a column's values sit on an axis, from 0 (bottom) to 1 (top). */
export interface Scale {
  /** The position of a value, or null for a missing or non-finite one. */
  position: (value: CellValue) => number | null;
  /** Labelled positions for the axis. */
  ticks: Array<{ position: number; label: string }>;
  /** A readable value at a position (for brush captions). */
  describe: (position: number) => string;
  log: boolean;
}

/** A column's scale over the sessions: log for positive numbers spanning 3+ decades. */
export function columnScale(
  column: Column,
  sessions: Session[],
  format: (value: number) => string,
): Scale {
  if (!column.numeric) {
    const categories = [
      ...new Set(
        sessions.flatMap((session) => {
          const value = session.values[column.key];
          return value === null ? [] : [String(value)];
        }),
      ),
    ].sort();
    const at = (index: number) => (categories.length === 1 ? 0.5 : index / (categories.length - 1));
    const index = new Map(categories.map((category, i) => [category, i]));
    return {
      position: (value) => (value === null ? null : at(index.get(String(value)) ?? 0)),
      ticks: categories.map((category, i) => ({ position: at(i), label: category })),
      describe: (position) =>
        categories[Math.round(position * Math.max(0, categories.length - 1))] ?? '',
      log: false,
    };
  }
  const finite = sessions.flatMap((session) => {
    const value = session.values[column.key];
    return typeof value === 'number' && Number.isFinite(value) ? [value] : [];
  });
  let low = finite.length ? Math.min(...finite) : 0;
  let high = finite.length ? Math.max(...finite) : 1;
  const log = low > 0 && high / low >= 1000;
  const transform = log ? Math.log10 : (value: number) => value;
  const inverse = log ? (value: number) => 10 ** value : (value: number) => value;
  if (low === high) {
    // A constant column sits in the middle of its axis.
    low = log ? low / 10 : low - 1;
    high = log ? high * 10 : high + 1;
  }
  const t0 = transform(low);
  const t1 = transform(high);
  const toPosition = (value: number) => (transform(value) - t0) / (t1 - t0);
  const fromPosition = (position: number) => inverse(t0 + position * (t1 - t0));
  return {
    position: (value) =>
      typeof value === 'number' && Number.isFinite(value) ? toPosition(value) : null,
    ticks: numericTicks(t0, t1, log).map((value) => ({
      position: (value - t0) / (t1 - t0),
      label: format(log ? 10 ** value : value),
    })),
    describe: (position) => format(fromPosition(position)),
    log,
  };
}

/** Tick values in transformed units: whole decades on a log axis, else five even steps. */
function numericTicks(t0: number, t1: number, log: boolean): number[] {
  if (log) {
    const decades: number[] = [];
    for (let decade = Math.ceil(t0 - 1e-9); decade <= t1 + 1e-9; decade++) decades.push(decade);
    if (decades.length >= 2) return decades;
  }
  return [0, 0.25, 0.5, 0.75, 1].map((fraction) => t0 + fraction * (t1 - t0));
}

/** A brush on one axis: the positions (0 bottom .. 1 top) a session's value must lie within. */
export interface Brush {
  low: number;
  high: number;
}

export type Brushes = Record<string, Brush>;

/** Whether `session` passes every brush (a missing value fails a brushed axis). */
export function passesBrushes(
  session: Session,
  brushes: Brushes,
  scales: Map<string, Scale>,
): boolean {
  for (const [key, brush] of Object.entries(brushes)) {
    const scale = scales.get(key);
    if (!scale) continue;
    const position = scale.position(session.values[key] ?? null);
    if (position === null || position < brush.low - 1e-9 || position > brush.high + 1e-9) {
      return false;
    }
  }
  return true;
}

export type SortOrder = { key: string; descending: boolean } | null;

/** Compare two cells: missing values last, numbers numerically, text naturally. */
export function compareCells(a: CellValue, b: CellValue): number {
  const missingA = a === null || (typeof a === 'number' && Number.isNaN(a));
  const missingB = b === null || (typeof b === 'number' && Number.isNaN(b));
  if (missingA || missingB) return Number(missingA) - Number(missingB);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A session's value in column `key`; the key `run` is the run's name. */
export function cellOf(session: Session, key: string): CellValue {
  return key === 'run' ? session.run : (session.values[key] ?? null);
}

/** Sessions sorted by `order` (missing values last in both directions), stable. */
export function sortSessions(sessions: Session[], order: SortOrder): Session[] {
  if (!order) return sessions;
  const { key, descending } = order;
  return sessions
    .map((session, index) => ({ session, index }))
    .sort((x, y) => {
      const a = cellOf(x.session, key);
      const b = cellOf(y.session, key);
      const missing = compareCells(a, b);
      const bothPresent = a !== null && b !== null && !Number.isNaN(a) && !Number.isNaN(b);
      const result = bothPresent && descending ? -missing : missing;
      return result || x.index - y.index;
    })
    .map(({ session }) => session);
}
