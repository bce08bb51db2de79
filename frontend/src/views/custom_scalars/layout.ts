// The custom scalars layout (written by `add_custom_scalars`) and what each chart draws:
// the (run, tag) series its tag patterns pick out of the scalar tags the server knows.

/** `data/plugin/custom_scalars/layout`: TensorBoard's Layout message as JSON (`{}` when none). */
export interface Layout {
  category?: Category[];
}

export interface Category {
  title?: string;
  chart?: Chart[];
  closed?: boolean;
}

export interface MarginSeries {
  value: string;
  lower: string;
  upper: string;
}

export interface Chart {
  title?: string;
  multiline?: { tag?: string[] };
  margin?: { series?: MarginSeries[] };
}

/** One line of a chart: a run's tag, with the label and colour it is drawn with. */
export interface ChartLine {
  run: string;
  tag: string;
  label: string;
}

/** A margin chart's value line with its lower and upper bounds (all of one run). */
export interface MarginLines {
  value: ChartLine;
  lower: ChartLine;
  upper: ChartLine;
}

/** Run -> its scalar tags (the keys of `data/plugin/scalars/tags`). */
export type TagsByRun = Record<string, Record<string, unknown>>;

/**
 * A tag pattern as a JavaScript regular expression with Python's `re.match` meaning (anchored
 * at the start of the tag), which is how TensorBoard applies the layout's patterns. Python's
 * named groups and leading inline flags are rewritten to JavaScript's spelling. Throws
 * SyntaxError for a bad pattern.
 */
export function tagPattern(pattern: string): RegExp {
  // Python's leading inline flags, `(?i)` being the common one, become JavaScript flags.
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  const flags = inline ? [...new Set(inline[1].replace(/[aLux]/g, ''))].join('') : '';
  const body = inline ? pattern.slice(inline[0].length) : pattern;
  const javascript = body.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  return new RegExp(`^(?:${javascript})`, flags);
}

/** Why `pattern` is not a valid tag pattern, or null when it is. */
export function patternError(pattern: string): string | null {
  try {
    tagPattern(pattern);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The lines of a multiline chart: every tag of every run in `runs` that one of `patterns`
 * matches, ordered by pattern, then tag, then run. Labels name the tag only when the chart
 * holds more than one tag, and the run only when it holds more than one run.
 */
export function multilineLines(patterns: string[], runs: string[], tags: TagsByRun): ChartLine[] {
  const regexes = patterns.flatMap((pattern) => {
    try {
      return [tagPattern(pattern)];
    } catch {
      return [];
    }
  });
  const found: Array<{ run: string; tag: string; pattern: number; runIndex: number }> = [];
  runs.forEach((run, runIndex) => {
    for (const tag of Object.keys(tags[run] ?? {})) {
      const pattern = regexes.findIndex((regex) => regex.test(tag));
      if (pattern >= 0) found.push({ run, tag, pattern, runIndex });
    }
  });
  found.sort(
    (a, b) =>
      a.pattern - b.pattern ||
      (a.tag === b.tag ? 0 : a.tag < b.tag ? -1 : 1) ||
      a.runIndex - b.runIndex,
  );
  return withLabels(found);
}

function withLabels(lines: Array<{ run: string; tag: string }>): ChartLine[] {
  const manyTags = new Set(lines.map((line) => line.tag)).size > 1;
  const manyRuns = new Set(lines.map((line) => line.run)).size > 1;
  return lines.map(({ run, tag }) => ({
    run,
    tag,
    label: manyTags && manyRuns ? `${tag} · ${run}` : manyTags ? tag : run,
  }));
}

/** The margin series of a chart for each run that has all three of its tags. */
export function marginLines(
  series: MarginSeries[],
  runs: string[],
  tags: TagsByRun,
): MarginLines[] {
  const result: MarginLines[] = [];
  const manyRuns = runs.filter((run) => series.some((item) => hasAll(tags[run], item))).length > 1;
  for (const item of series) {
    for (const run of runs) {
      if (!hasAll(tags[run], item)) continue;
      const name = manyRuns ? `${item.value} · ${run}` : item.value;
      result.push({
        value: { run, tag: item.value, label: name },
        lower: { run, tag: item.lower, label: `${name} (lower: ${item.lower})` },
        upper: { run, tag: item.upper, label: `${name} (upper: ${item.upper})` },
      });
    }
  }
  return result;
}

function hasAll(runTags: Record<string, unknown> | undefined, item: MarginSeries): boolean {
  return Boolean(
    runTags && item.value in runTags && item.lower in runTags && item.upper in runTags,
  );
}

/** Every chart of the layout with its category, in layout order. */
export function layoutCharts(layout: Layout): Array<{ category: Category; charts: Chart[] }> {
  return (layout.category ?? []).map((category) => ({ category, charts: category.chart ?? [] }));
}
