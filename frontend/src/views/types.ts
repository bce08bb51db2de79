// The contract between the shell and a view module.
import type { ComponentType } from 'preact';
import type { Environment } from '../api';

export interface ViewProps {
  /** The plugin's name: the view fetches its data from `data/plugin/<plugin>/...`. */
  plugin: string;
  /** The tab's label. */
  label: string;
  environment: Environment | null;
}

/** What `src/views/<plugin>/index.tsx` exports. */
export interface ViewModule {
  default: ComponentType<ViewProps>;
}
