// The Scalars view's "Download selection": the view's filters as /data/export/scalars asks them.
import { apiUrl } from '../../api';

/** Export formats offered for a selection (the route also writes parquet). */
export const DOWNLOAD_FORMATS = ['csv', 'json'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

/** `text` matched literally by a Python regular expression (ASCII punctuation escaped). */
function literal(text: string): string {
  return text.replace(/[\x20-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7e]/g, '\\$&');
}

/** The view's filter as the server's `re.search` pattern: the view matches case-insensitively. */
function pattern(filterText: string, valid: boolean): string | null {
  // An invalid filter filters nothing out in the view, so it selects everything here too.
  return filterText && valid ? `(?i)${filterText}` : null;
}

export interface SelectionFilters {
  runFilter: string;
  runFilterValid: boolean;
  tagFilter: string;
  tagFilterValid: boolean;
  /** Runs the run filter lists, and those of them whose box is ticked. */
  listedRuns: readonly string[];
  selectedRuns: readonly string[];
}

/** The URL that downloads every point of the series the view shows, in `format`. */
export function selectionDownloadUrl(filters: SelectionFilters, format: DownloadFormat): string {
  const params = new URLSearchParams({ format });
  const { listedRuns, selectedRuns } = filters;
  let runs: string | null;
  if (selectedRuns.length === listedRuns.length) {
    runs = pattern(filters.runFilter, filters.runFilterValid);
  } else if (selectedRuns.length === 0) {
    runs = '(?!)'; // every run unticked: a pattern that matches nothing
  } else {
    // Some runs unticked by hand: name the ticked ones exactly.
    runs = `^(?:${selectedRuns.map(literal).join('|')})$`;
  }
  if (runs !== null) params.set('runs', runs);
  const tags = pattern(filters.tagFilter, filters.tagFilterValid);
  if (tags !== null) params.set('tags', tags);
  return apiUrl(`data/export/scalars?${params}`);
}
