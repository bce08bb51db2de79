// What a control disabled on a read-only server says when pointed at.
export const READ_ONLY_REASON = 'This server is read-only: it does not accept changes';

/** The `title` of a control that is disabled on a read-only server. */
export function readOnlyTitle(readonly: boolean | undefined): string | undefined {
  return readonly ? READ_ONLY_REASON : undefined;
}
