// Which views exist, in which order, and where their code is.
//
// A view is the module src/views/<plugin name>/index.tsx with a default-exported component
// (see types.ts). Vite turns each one into its own chunk, loaded the first time its tab is opened,
// so heavy libraries (uPlot, plotly.js, three.js, elkjs) never slow down the shell.
import type { PluginsListing } from '../api';
import type { ViewModule } from './types';

/** Views torchscope knows, in tab order, with their labels. */
export const KNOWN_VIEWS: ReadonlyArray<{ name: string; label: string }> = [
  { name: 'live', label: 'Live' },
  { name: 'scalars', label: 'Scalars' },
  { name: 'images', label: 'Images' },
  { name: 'audio', label: 'Audio' },
  { name: 'histograms', label: 'Histograms' },
  { name: 'distributions', label: 'Distributions' },
  { name: 'text', label: 'Text' },
  { name: 'graphs', label: 'Graphs' },
  { name: 'projector', label: 'Projector' },
  { name: 'explain', label: 'Explain' },
  { name: 'pr_curves', label: 'PR Curves' },
  { name: 'hparams', label: 'HParams' },
  { name: 'custom_scalars', label: 'Custom Scalars' },
  { name: 'mesh', label: 'Mesh' },
];

const KNOWN_LABELS = new Map(KNOWN_VIEWS.map((view) => [view.name, view.label]));

const VIEW_MODULES = import.meta.glob<ViewModule>('./*/index.tsx');

export interface Tab {
  name: string;
  label: string;
}

/** The tabs to show: enabled plugins, known ones first in their fixed order, then the rest. */
export function visibleTabs(listing: PluginsListing | null): Tab[] {
  if (!listing) return [];
  const enabled = Object.keys(listing).filter((name) => listing[name].enabled);
  const known = KNOWN_VIEWS.filter((view) => enabled.includes(view.name));
  const others = enabled
    .filter((name) => !KNOWN_LABELS.has(name))
    .map((name) => ({ name, label: listing[name].tab_name || name }));
  return [...known, ...others];
}

/** The label of a view, whether or not its plugin has data now. */
export function viewLabel(name: string, listing: PluginsListing | null): string {
  return KNOWN_LABELS.get(name) ?? listing?.[name]?.tab_name ?? name;
}

/** Whether `name` is a view the server or the UI knows about. */
export function isKnownView(name: string, listing: PluginsListing | null): boolean {
  return KNOWN_LABELS.has(name) || Boolean(listing && name in listing);
}

/** The lazy loader of a view's module, or undefined while the view has no UI yet. */
export function viewLoader(name: string): (() => Promise<ViewModule>) | undefined {
  return VIEW_MODULES[`./${name}/index.tsx`];
}
