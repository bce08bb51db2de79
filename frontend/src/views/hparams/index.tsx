// The HParams view: every session (a run that logged `add_hparams`) in a sortable table, a
// parallel-coordinates plot whose axes brush the sessions, and a metric against a chosen
// hyperparameter. Hovering a session in any of the three highlights it in all of them.
import { useMemo, useState } from 'preact/hooks';
import { runColor } from '../../lib/colors';
import { FilterInput } from '../../lib/FilterInput';
import { formatValue } from '../../lib/format';
import { usePolledJSON, usePollTick, useStoredState } from '../../lib/hooks';
import { LogdirHealth } from '../../lib/LogdirHealth';
import { compileFilter } from '../../lib/regex';
import '../../lib/views.css';
import type { ViewProps } from '../types';
import './hparams.css';
import {
  type Brush,
  type Brushes,
  buildTable,
  cellOf,
  columnScale,
  type Experiment,
  passesBrushes,
  type Scale,
  type SessionPayload,
  type SortOrder,
  sortSessions,
} from './model';
import { ParallelCoordinates } from './ParallelCoordinates';
import { Scatter } from './Scatter';
import { SessionTable } from './SessionTable';

const REFRESH_MS = 5000;

interface Settings {
  filter: string;
  sort: SortOrder;
  scatterX: string;
  scatterY: string;
}

const DEFAULTS: Settings = { filter: '', sort: null, scatterX: '', scatterY: '' };

function sanitizeSettings(stored: unknown): Settings {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Partial<Settings>;
  const sort = value.sort;
  return {
    filter: typeof value.filter === 'string' ? value.filter : '',
    sort:
      sort && typeof sort.key === 'string'
        ? { key: sort.key, descending: !!sort.descending }
        : null,
    scatterX: typeof value.scatterX === 'string' ? value.scatterX : '',
    scatterY: typeof value.scatterY === 'string' ? value.scatterY : '',
  };
}

export default function HParamsView({ plugin }: ViewProps) {
  const [settings, setSettings] = useStoredState('torchscope.hparams', DEFAULTS, sanitizeSettings);
  const [brushes, setBrushes] = useState<Brushes>({});
  const [hovered, setHovered] = useState<string | null>(null);
  const pollTick = usePollTick(REFRESH_MS);
  const { data, error } = usePolledJSON<[Experiment, SessionPayload[], string[]]>(
    [`data/plugin/${plugin}/experiment`, `data/plugin/${plugin}/sessions`, 'data/runs'],
    pollTick,
  );
  const update = (change: Partial<Settings>) => setSettings({ ...settings, ...change });

  const { columns, sessions } = useMemo(
    () => (data ? buildTable(data[0], data[1]) : { columns: [], sessions: [] }),
    [data],
  );
  const scales = useMemo(
    () =>
      new Map<string, Scale>(
        columns.map((column) => [column.key, columnScale(column, sessions, formatValue)]),
      ),
    [columns, sessions],
  );
  // Colours follow the server's run order, so a session has the same colour as in Scalars.
  const colorOf = useMemo(() => {
    const index = new Map((data?.[2] ?? []).map((run, i) => [run, i]));
    return (run: string) => runColor(index.get(run) ?? 0);
  }, [data]);

  const textFilter = useMemo(() => compileFilter(settings.filter), [settings.filter]);
  const shown = useMemo(
    () =>
      new Set(
        sessions
          .filter(
            (session) => textFilter.test(session.run) && passesBrushes(session, brushes, scales),
          )
          .map((session) => session.run),
      ),
    [sessions, textFilter, brushes, scales],
  );
  const rows = useMemo(
    () =>
      sortSessions(
        sessions.filter((session) => shown.has(session.run)),
        settings.sort,
      ),
    [sessions, shown, settings.sort],
  );

  const hparamColumns = columns.filter((column) => column.kind === 'hparam');
  const metricColumns = columns.filter((column) => column.kind === 'metric');
  const scatterX = hparamColumns.find((c) => c.key === settings.scatterX) ?? hparamColumns[0];
  const scatterY = metricColumns.find((c) => c.key === settings.scatterY) ?? metricColumns[0];
  const onBrush = (key: string, brush: Brush | null) => {
    const next = { ...brushes };
    if (brush) next[key] = brush;
    else delete next[key];
    setBrushes(next);
  };
  const brushList = Object.entries(brushes).flatMap(([key, brush]) => {
    const column = columns.find((item) => item.key === key);
    const scale = scales.get(key);
    return column && scale ? [{ key, column, brush, scale }] : [];
  });

  return (
    <div
      class="dash hparams-view"
      data-ready={data ? '1' : '0'}
      data-sessions={sessions.length}
      data-shown={shown.size}
    >
      <aside class="dash-side" aria-label="HParams settings">
        <h2>Settings</h2>
        <FilterInput
          id="hparams-run-filter"
          label="Filter sessions by run"
          value={settings.filter}
          filter={textFilter}
          onInput={(filter) => update({ filter })}
        />
        <fieldset>
          <legend>Brushed axes ({brushList.length})</legend>
          {brushList.length === 0 ? (
            <p class="dash-note">
              Drag along an axis of the parallel coordinates to keep only the sessions in that
              range.
            </p>
          ) : (
            <ul class="hp-brushes">
              {brushList.map(({ key, column, brush, scale }) => (
                <li key={key} data-key={key}>
                  <span>
                    <strong>{column.label}</strong>: {describeBrush(brush, scale, column.numeric)}
                  </span>
                  <button
                    type="button"
                    class="button button-small"
                    aria-label={`Clear the brush on ${column.label}`}
                    onClick={() => onBrush(key, null)}
                  >
                    Clear
                  </button>
                </li>
              ))}
            </ul>
          )}
          {brushList.length > 1 && (
            <button type="button" class="button button-small" onClick={() => setBrushes({})}>
              Clear all
            </button>
          )}
        </fieldset>
        <p class="dash-note">
          {shown.size} of {sessions.length} session{sessions.length === 1 ? '' : 's'} shown.
        </p>
      </aside>
      <section class="dash-main" aria-label="Hyperparameter sessions">
        <LogdirHealth pollTick={pollTick} />
        {error && <p class="card-error">Could not load the sessions: {error}</p>}
        {!data && !error && (
          <p class="loading" role="status">
            Loading sessions…
          </p>
        )}
        {data && sessions.length === 0 && (
          <p class="dash-note">
            No session yet: log one with <code>writer.add_hparams(hparams, metrics)</code>.
          </p>
        )}
        {sessions.length > 0 && (
          <>
            <article class="card hp-card" aria-labelledby="hp-table-title">
              <header class="card-head">
                <h3 class="card-title" id="hp-table-title">
                  Sessions
                </h3>
                <span class="card-sub">
                  {rows.length} of {sessions.length}; click a heading to sort
                </span>
              </header>
              <SessionTable
                columns={columns}
                sessions={rows}
                order={settings.sort}
                onSort={(sort) => update({ sort })}
                colorOf={colorOf}
                hovered={hovered}
                onHover={setHovered}
              />
            </article>
            <article class="card hp-card" aria-labelledby="hp-pc-title">
              <header class="card-head">
                <h3 class="card-title" id="hp-pc-title">
                  Parallel coordinates
                </h3>
                <span class="card-sub">drag along an axis to brush; click it to clear</span>
              </header>
              <ParallelCoordinates
                columns={columns}
                sessions={sessions}
                scales={scales}
                brushes={brushes}
                shown={shown}
                colorOf={colorOf}
                hovered={hovered}
                onHover={setHovered}
                onBrush={onBrush}
              />
            </article>
            {scatterX && scatterY && (
              <article class="card hp-card" aria-labelledby="hp-scatter-title">
                <header class="card-head">
                  <h3 class="card-title" id="hp-scatter-title">
                    Metric against hyperparameter
                  </h3>
                  <div class="card-tools hp-pickers">
                    <label for="hp-scatter-metric">Metric</label>
                    <select
                      id="hp-scatter-metric"
                      value={scatterY.key}
                      onChange={(event) =>
                        update({ scatterY: (event.target as HTMLSelectElement).value })
                      }
                    >
                      {metricColumns.map((column) => (
                        <option key={column.key} value={column.key}>
                          {column.label}
                        </option>
                      ))}
                    </select>
                    <label for="hp-scatter-hparam">Hyperparameter</label>
                    <select
                      id="hp-scatter-hparam"
                      value={scatterX.key}
                      onChange={(event) =>
                        update({ scatterX: (event.target as HTMLSelectElement).value })
                      }
                    >
                      {hparamColumns.map((column) => (
                        <option key={column.key} value={column.key}>
                          {column.label}
                        </option>
                      ))}
                    </select>
                  </div>
                </header>
                <Scatter
                  x={scatterX}
                  y={scatterY}
                  xScale={scales.get(scatterX.key) as Scale}
                  yScale={scales.get(scatterY.key) as Scale}
                  sessions={sessions}
                  shown={shown}
                  colorOf={colorOf}
                  hovered={hovered}
                  onHover={setHovered}
                />
              </article>
            )}
            {hovered && (
              <p class="dash-note hp-hovered" role="status" data-run={hovered}>
                {describeSession(hovered, sessions, columns)}
              </p>
            )}
          </>
        )}
      </section>
    </div>
  );
}

function describeBrush(brush: Brush, scale: Scale, numeric: boolean): string {
  if (!numeric) {
    const kept = scale.ticks
      .filter((tick) => tick.position >= brush.low - 1e-9 && tick.position <= brush.high + 1e-9)
      .map((tick) => tick.label);
    return kept.length ? kept.join(', ') : 'none';
  }
  return `${scale.describe(brush.low)} to ${scale.describe(brush.high)}`;
}

function describeSession(
  run: string,
  sessions: ReturnType<typeof buildTable>['sessions'],
  columns: ReturnType<typeof buildTable>['columns'],
): string {
  const session = sessions.find((item) => item.run === run);
  if (!session) return run;
  const parts = columns.map((column) => {
    const value = cellOf(session, column.key);
    return `${column.label} ${typeof value === 'number' ? formatValue(value) : (value ?? '–')}`;
  });
  return `${run}: ${parts.join(', ')}`;
}
