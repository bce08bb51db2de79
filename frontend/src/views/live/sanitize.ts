// HTML of text panes, made safe to show. Visdom puts a text pane's HTML into the page as is,
// so an `<img onerror>` sent by anyone who can POST runs script in every viewer's browser.
// torchscope keeps what text, audio, video, svg and matplotlib panes need (formatting, tables,
// <audio>/<video>/<source> with data: URLs, inline <svg>, inline styles) and drops everything
// that runs code or restyles the dashboard: <script>, event handler attributes, javascript:
// URLs, <style>, <iframe>, <object>, forms.
import createDOMPurify, { type Config } from 'dompurify';

const purifier = createDOMPurify(window);

purifier.addHook('afterSanitizeAttributes', (node) => {
  // Links open in a new tab and give the target page no handle on this one.
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

const CONFIG: Config = {
  USE_PROFILES: { html: true, svg: true, svgFilters: true },
  FORBID_TAGS: [
    'style',
    'form',
    'input',
    'button',
    'textarea',
    'select',
    'iframe',
    'object',
    'embed',
  ],
  ADD_TAGS: ['audio', 'video', 'source'],
  ADD_ATTR: ['controls', 'autoplay', 'loop', 'muted', 'playsinline', 'preload', 'poster'],
};

/** A fragment of `html` with nothing in it that can run script. */
export function sanitizeHtml(html: string): DocumentFragment {
  return purifier.sanitize(html, { ...CONFIG, RETURN_DOM_FRAGMENT: true });
}

/** The same, as a string (embeddings previews). */
export function sanitizeHtmlString(html: string): string {
  const holder = document.createElement('div');
  holder.append(sanitizeHtml(html));
  return holder.innerHTML;
}
