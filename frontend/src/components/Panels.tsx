// The messages the content area shows when there is no view to draw.
import type { ComponentChildren } from 'preact';
import { viewHref } from '../route';

function Panel({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <section class="panel" aria-labelledby="panel-title">
      <h1 id="panel-title">{title}</h1>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ComingSoon({ plugin, label }: { plugin: string; label: string }) {
  return (
    <Panel title={`${label}: this view is coming`}>
      <p>
        The server has data for the <code>{plugin}</code> plugin, but this version of the dashboard
        has no view for it yet. The data is safe: a later torchscope release will show it here.
      </p>
    </Panel>
  );
}

export function NoData({ plugin, label }: { plugin: string; label: string }) {
  return (
    <Panel title={`${label}: no data yet`}>
      <p>
        Nothing has been logged for the <code>{plugin}</code> plugin yet. Its tab appears in the top
        bar as soon as data arrives; this page does not need a reload.
      </p>
      <p>
        <a href={viewHref(null)}>Back to the start page</a>
      </p>
    </Panel>
  );
}

export function UnknownView({ name }: { name: string }) {
  return (
    <Panel title="No such view">
      <p>
        This server has no view named <code>{name}</code>.
      </p>
      <p>
        <a href={viewHref(null)}>Back to the start page</a>
      </p>
    </Panel>
  );
}

export function LoadFailed(props: { label: string; error: unknown; onRetry: () => void }) {
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <Panel title={`${props.label} could not be loaded`}>
      <p>The code of this view did not load: {message}</p>
      <p>
        <button type="button" class="button" onClick={props.onRetry}>
          Try again
        </button>
      </p>
    </Panel>
  );
}
