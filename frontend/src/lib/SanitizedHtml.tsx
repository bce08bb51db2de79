// THE one place where the dashboard puts HTML from the server into the page.
//
// Only server answers documented as *sanitized HTML* may come here (rendered text summaries,
// tag descriptions): the server renders Markdown and strips scripts, styles, event handlers and
// unsafe URLs before answering. The page checks again (sanitize.ts) before anything is inserted,
// so a server bug alone cannot put a script, a handler or another origin's image on the page.
import { useLayoutEffect, useRef } from 'preact/hooks';
import { sanitizedFragment } from './sanitize';

interface Props {
  /** HTML that the server has already sanitized. */
  html: string;
  class?: string;
}

export function SanitizedHtml({ html, class: className }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    ref.current?.replaceChildren(sanitizedFragment(html));
  }, [html]);
  return <div ref={ref} class={className} />;
}
