// Saving a file the page built (JSON, CSV) through the browser's download prompt.

/** Offer `content` as a download named `filename`. */
export function saveFile(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken its copy once the click is handled.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file name made of `parts` with anything unsafe in a file name replaced by '_'. */
export function safeFileName(...parts: string[]): string {
  return parts
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
