// Grouping tags into sections, as TensorBoard does: by the part before the first '/'.

/** The section a tag belongs to ('' for tags without a '/'). */
export function tagGroup(tag: string): string {
  const slash = tag.indexOf('/');
  return slash > 0 ? tag.slice(0, slash) : '';
}

/** Items grouped by their tag's section: top-level tags first, then sections by name. */
export function groupByTag<T>(items: T[], tagOf: (item: T) => string): Array<[string, T[]]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = tagGroup(tagOf(item));
    const members = groups.get(group);
    if (members) members.push(item);
    else groups.set(group, [item]);
  }
  return [...groups.entries()].sort(([a], [b]) => {
    if (a === b) return 0;
    if (a === '') return -1;
    if (b === '') return 1;
    return a < b ? -1 : 1;
  });
}

/** The heading of a group. */
export function groupTitle(group: string): string {
  return group || 'Top-level tags';
}
