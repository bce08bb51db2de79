// Run and tag filters: case-insensitive regular expressions typed by the user.

export interface Filter {
  /** Whether `text` passes (everything passes an empty or invalid pattern). */
  test: (text: string) => boolean;
  /** Why the pattern is not a valid regular expression, or null. */
  error: string | null;
}

/** Compile a user's pattern; an invalid one reports its error and filters nothing out. */
export function compileFilter(pattern: string): Filter {
  if (!pattern) return { test: () => true, error: null };
  try {
    const regex = new RegExp(pattern, 'i');
    return { test: (text) => regex.test(text), error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { test: () => true, error: message };
  }
}
