// Text panes: HTML as the client sent it (also audio, video, svg and matplotlib figures, which
// arrive as text), sanitized so that nothing in it runs.
import { useLayoutEffect, useRef } from 'preact/hooks';
import { sanitizeHtml } from '../sanitize';

interface Props {
  html: string;
}

/** Distance from the bottom (px) within which a reader counts as following new lines. */
const FOLLOW_SLACK = 8;

export function TextPane({ html }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    // A log appended to with `append=True` keeps its newest lines in view, unless the reader
    // has scrolled up to read older ones.
    const scroller = element.closest<HTMLElement>('.live-pane-body');
    const following =
      scroller !== null &&
      element.dataset.ready === '1' &&
      scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= FOLLOW_SLACK;
    element.replaceChildren(sanitizeHtml(html));
    element.dataset.ready = '1';
    if (following) scroller.scrollTop = scroller.scrollHeight;
  }, [html]);
  return <div class="live-text" ref={ref} />;
}
