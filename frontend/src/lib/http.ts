// POSTing forms to the server (TensorBoard's multi-run routes take form fields, not JSON).
import { ApiError, apiUrl } from '../api';

/** POST `fields` as an urlencoded form (an array value repeats the field) and parse the JSON. */
export async function postFormJSON<T>(
  path: string,
  fields: Record<string, string | string[]>,
  init: { signal?: AbortSignal } = {},
): Promise<T> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  const url = apiUrl(path);
  const response = await fetch(url, {
    method: 'POST',
    body,
    signal: init.signal,
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) {
    throw new ApiError(url, response.status, await response.text().catch(() => ''));
  }
  return (await response.json()) as T;
}

/** A query string from `params` (values are encoded). */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) search.set(name, String(value));
  }
  return search.toString();
}

/** Whether `error` is the rejection of an aborted request (not worth showing). */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
