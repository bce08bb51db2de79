// The sessions as a table: a row per run, a column per hyperparameter and metric; a click on a
// column's heading sorts by it (again: the other way round).
import { formatValue } from '../../lib/format';
import type { CellValue, Column, Session, SortOrder } from './model';

interface Props {
  columns: Column[];
  /** Rows to show, already filtered and sorted. */
  sessions: Session[];
  order: SortOrder;
  onSort: (order: SortOrder) => void;
  colorOf: (run: string) => string;
  hovered: string | null;
  onHover: (run: string | null) => void;
}

function cellText(value: CellValue): string {
  if (value === null) return '';
  return typeof value === 'number' ? formatValue(value) : value;
}

const STATUS_TEXT: Record<string, string> = {
  STATUS_SUCCESS: 'done',
  STATUS_FAILURE: 'failed',
  STATUS_RUNNING: 'running',
  STATUS_UNKNOWN: '',
};

export function SessionTable({
  columns,
  sessions,
  order,
  onSort,
  colorOf,
  hovered,
  onHover,
}: Props) {
  const header = (key: string, label: string, numeric: boolean, kind: string) => {
    const active = order?.key === key;
    const sort = active ? (order.descending ? 'descending' : 'ascending') : 'none';
    const next: SortOrder = active
      ? { key, descending: !order.descending }
      : { key, descending: kind === 'metric' && numeric };
    return (
      <th
        key={key}
        scope="col"
        aria-sort={sort}
        class={`ht-${kind}${numeric ? ' ht-num' : ''}`}
        data-key={key}
      >
        <button
          type="button"
          class="ht-sort"
          onClick={() => onSort(next)}
          title={`Sort by ${label}`}
        >
          {label}
          <span class="ht-arrow" aria-hidden="true">
            {active ? (order.descending ? '▼' : '▲') : ''}
          </span>
        </button>
      </th>
    );
  };
  return (
    <div class="ht-scroll">
      <table class="ht" aria-label="Sessions">
        <thead>
          <tr>
            {header('run', 'Run', false, 'run')}
            {columns.map((column) => header(column.key, column.label, column.numeric, column.kind))}
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr
              key={session.run}
              data-run={session.run}
              class={session.run === hovered ? 'ht-hot' : ''}
              tabIndex={0}
              onMouseEnter={() => onHover(session.run)}
              onMouseLeave={() => onHover(null)}
              onFocus={() => onHover(session.run)}
              onBlur={() => onHover(null)}
            >
              <th scope="row">
                <span class="swatch" style={{ background: colorOf(session.run) }} />
                {session.run}
              </th>
              {columns.map((column) => (
                <td key={column.key} class={column.numeric ? 'ht-num' : ''} data-key={column.key}>
                  {cellText(session.values[column.key] ?? null)}
                </td>
              ))}
              <td class="ht-status">{STATUS_TEXT[session.status] ?? session.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
