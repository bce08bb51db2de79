// The side panel: everything known about the selected node.
import { Fragment } from 'preact';
import { formatCount, formatShape, formatValue } from './format';
import type { GraphIndex } from './hierarchy';
import type { GraphEdge, GraphNode } from './schema';

interface Props {
  index: GraphIndex;
  id: string | null;
  /** Whether the selected module is drawn open (a box) or collapsed. */
  isOpen: boolean;
  onToggle: (id: string) => void;
  onSelect: (id: string) => void;
}

export function DetailsPanel({ index, id, isOpen, onToggle, onSelect }: Props) {
  if (id === null || !index.byId.has(id)) {
    return (
      <aside class="graph-details" aria-label="Node details">
        <h2>{index.graph.name}</h2>
        <p class="graph-muted">
          {formatCount(index.graph.nodes.filter((n) => n.kind === 'op').length)} ops in{' '}
          {formatCount(index.graph.nodes.filter((n) => n.kind === 'module').length)} modules, traced
          with <code>{index.graph.tracer}</code>.
        </p>
        <p class="graph-muted">Select a node to see its settings, parameters and tensor shapes.</p>
      </aside>
    );
  }
  const node = index.node(id);
  const called = node.kind === 'op' && node.module ? (index.byId.get(node.module) ?? null) : null;
  const settingsOf = node.kind === 'module' ? node : called;
  const inputs =
    node.kind === 'module' ? boundary(index, node.id, 'in') : (index.incoming.get(id) ?? []);
  const outgoing =
    node.kind === 'module' ? boundary(index, node.id, 'out') : (index.outgoing.get(id) ?? []);
  const attributes = node.kind === 'module' ? {} : node.attributes;
  return (
    <aside class="graph-details" aria-label="Node details">
      <h2>{node.name}</h2>
      <dl class="graph-facts">
        <dt>Kind</dt>
        <dd>{node.kind === 'module' ? (isOpen ? 'module (open)' : 'module') : node.kind}</dd>
        {node.op_type && (
          <>
            <dt>{node.kind === 'module' ? 'Class' : 'Op type'}</dt>
            <dd>
              <code>{node.op_type}</code>
            </dd>
          </>
        )}
        {node.path !== null && node.path !== '' && (
          <>
            <dt>Path</dt>
            <dd>
              <code>{node.path}</code>
            </dd>
          </>
        )}
        {called && (
          <>
            <dt>Calls</dt>
            <dd>
              <button type="button" class="graph-link" onClick={() => onSelect(called.id)}>
                {called.path || called.name}
              </button>
            </dd>
          </>
        )}
        {node.kind === 'module' && node.calls !== null && (
          <>
            <dt>Forward calls</dt>
            <dd>{node.calls}</dd>
          </>
        )}
      </dl>
      {node.kind === 'module' && index.isExpandable(node.id) && (
        <button type="button" class="button" onClick={() => onToggle(node.id)}>
          {isOpen ? 'Collapse' : 'Expand'} {node.name}
        </button>
      )}
      {settingsOf?.params && <Params params={settingsOf.params} />}
      <Tensors title="Inputs" edges={inputs} end="source" index={index} onSelect={onSelect} />
      {node.kind === 'module' ? (
        <Tensors title="Outputs" edges={outgoing} end="target" index={index} onSelect={onSelect} />
      ) : (
        <section>
          <h3>Outputs</h3>
          {node.outputs.length ? (
            <table class="graph-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Shape</th>
                  <th scope="col">Dtype</th>
                </tr>
              </thead>
              <tbody>
                {node.outputs.map((output, position) => (
                  <tr key={position}>
                    <td>{position}</td>
                    <td class="graph-shape">{formatShape(output.shape)}</td>
                    <td>{output.dtype ?? '?'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="graph-muted">none recorded</p>
          )}
        </section>
      )}
      {settingsOf && <Settings title="Module settings" values={settingsOf.attributes} />}
      <Settings title="Attributes" values={attributes} />
    </aside>
  );
}

function Params({ params }: { params: NonNullable<GraphNode['params']> }) {
  return (
    <section>
      <h3>Parameters</h3>
      <dl class="graph-facts">
        <dt>Total</dt>
        <dd>{formatCount(params.total)}</dd>
        <dt>Trainable</dt>
        <dd>{formatCount(params.trainable)}</dd>
        <dt>Own</dt>
        <dd>{formatCount(params.own)}</dd>
      </dl>
    </section>
  );
}

function Settings({ title, values }: { title: string; values: Record<string, unknown> }) {
  // extra_repr repeats the other settings; it is worth showing only when it stands alone.
  const all = Object.keys(values);
  const keys = all.length > 1 ? all.filter((key) => key !== 'extra_repr') : all;
  if (!keys.length) return null;
  return (
    <section>
      <h3>{title}</h3>
      <dl class="graph-facts">
        {keys.map((key) => (
          <Fragment key={key}>
            <dt>{key}</dt>
            <dd>
              <code>{formatValue(values[key])}</code>
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

interface TensorsProps {
  title: string;
  edges: GraphEdge[];
  end: 'source' | 'target';
  index: GraphIndex;
  onSelect: (id: string) => void;
}

function Tensors({ title, edges, end, index, onSelect }: TensorsProps) {
  return (
    <section>
      <h3>{title}</h3>
      {edges.length ? (
        <table class="graph-table">
          <thead>
            <tr>
              <th scope="col">{end === 'source' ? 'From' : 'To'}</th>
              <th scope="col">Shape</th>
              <th scope="col">Dtype</th>
            </tr>
          </thead>
          <tbody>
            {edges.map((edge, position) => {
              const other = index.byId.get(edge[end]);
              return (
                <tr key={position}>
                  <td>
                    <button type="button" class="graph-link" onClick={() => onSelect(edge[end])}>
                      {other?.name ?? edge[end]}
                    </button>
                    {edge.index && <span class="graph-muted">{edge.index}</span>}
                  </td>
                  <td class="graph-shape">{formatShape(edge.shape)}</td>
                  <td>{edge.dtype ?? '?'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p class="graph-muted">none</p>
      )}
    </section>
  );
}

/** Edges crossing a module's border, inwards or outwards. */
function boundary(index: GraphIndex, module: string, direction: 'in' | 'out'): GraphEdge[] {
  return index.graph.edges.filter((edge) => {
    const sourceInside = index.isInside(edge.source, module);
    const targetInside = index.isInside(edge.target, module);
    return direction === 'in' ? targetInside && !sourceInside : sourceInside && !targetInside;
  });
}
