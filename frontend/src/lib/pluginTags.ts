import { useMemo } from 'preact/hooks';

import { usePolledJSON } from './hooks';
import type { RunTag } from './RunTagDashboard';

/** A plugin's `tags` answer: run -> tag -> what the plugin says of it, or run -> [tag]. */
export type TagsByRun = Record<string, Record<string, unknown> | string[]>;

export interface PluginTags<T extends TagsByRun> {
  /** Every run, in the server's order (it fixes each run's colour). */
  runs: string[];
  tags: T | null;
  /** One entry per (run, tag) pair; null until the first answer. */
  entries: RunTag[] | null;
  error: string | null;
}

/** Poll `data/runs` and `data/plugin/<plugin>/tags` together, as every run/tag view needs. */
export function usePluginTags<T extends TagsByRun>(plugin: string, tick: number): PluginTags<T> {
  const { data, error } = usePolledJSON<[string[], T]>(
    ['data/runs', `data/plugin/${plugin}/tags`],
    tick,
  );
  const tags = data?.[1] ?? null;
  const entries = useMemo<RunTag[] | null>(
    () =>
      tags
        ? Object.entries(tags).flatMap(([run, byTag]) =>
            (Array.isArray(byTag) ? byTag : Object.keys(byTag)).map((tag) => ({ run, tag })),
          )
        : null,
    [tags],
  );
  return { runs: data?.[0] ?? [], tags, entries, error };
}
