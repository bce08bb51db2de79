// The page's own check of server-sanitized HTML, a second line of defence behind the server's.
//
// The HTML is parsed in an inert <template> (nothing in it loads or runs), then only the
// elements and attributes that rendered Markdown uses are kept, and only links and images that
// stay harmless: a link to http(s), mailto or a relative address; an image from this server or
// a data: URL (an image from elsewhere would make the page talk to another origin).

const KEPT_ELEMENTS = new Set([
  'A', 'B', 'BLOCKQUOTE', 'BR', 'CODE', 'DEL', 'EM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HR',
  'I', 'IMG', 'LI', 'OL', 'P', 'PRE', 'S', 'STRONG', 'TABLE', 'TBODY', 'TD', 'TH', 'THEAD', 'TR',
  'UL',
]); // prettier-ignore

/** Elements dropped with everything inside them rather than unwrapped. */
const DROPPED_ELEMENTS = new Set([
  'SCRIPT', 'STYLE', 'IFRAME', 'OBJECT', 'EMBED', 'TEMPLATE', 'NOSCRIPT', 'SVG', 'MATH', 'FORM',
  'INPUT', 'BUTTON', 'TEXTAREA', 'SELECT', 'LINK', 'META', 'BASE',
]); // prettier-ignore

const KEPT_ATTRIBUTES: Record<string, readonly string[]> = {
  A: ['href', 'title'],
  IMG: ['src', 'alt', 'title'],
  TD: ['align'],
  TH: ['align'],
};

function safeHref(value: string): boolean {
  try {
    const url = new URL(value, document.baseURI);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol);
  } catch {
    return false;
  }
}

function safeImageSrc(value: string): boolean {
  if (/^data:image\/(png|gif|jpeg|webp);/i.test(value)) return true;
  try {
    return new URL(value, document.baseURI).origin === window.location.origin;
  } catch {
    return false;
  }
}

function clean(node: Element): void {
  for (const child of Array.from(node.children)) {
    const tag = child.tagName.toUpperCase();
    if (DROPPED_ELEMENTS.has(tag)) {
      child.remove();
      continue;
    }
    clean(child);
    if (!KEPT_ELEMENTS.has(tag)) {
      child.replaceWith(...Array.from(child.childNodes)); // unknown but harmless: keep its text
      continue;
    }
    const allowed = KEPT_ATTRIBUTES[tag] ?? [];
    for (const attribute of Array.from(child.attributes)) {
      const name = attribute.name.toLowerCase();
      const keep =
        allowed.includes(name) &&
        (name !== 'href' || safeHref(attribute.value)) &&
        (name !== 'src' || safeImageSrc(attribute.value));
      if (!keep) child.removeAttribute(attribute.name);
    }
    if (tag === 'A' && child.hasAttribute('href')) {
      child.setAttribute('rel', 'noopener noreferrer');
      child.setAttribute('target', '_blank');
    }
  }
}

/** A fragment of `html` holding only harmless elements, attributes, links and images. */
export function sanitizedFragment(html: string): DocumentFragment {
  const template = document.createElement('template');
  template.innerHTML = html; // inert: a template's content neither loads nor runs anything
  const holder = document.createElement('div');
  holder.append(template.content);
  clean(holder);
  const fragment = document.createDocumentFragment();
  fragment.append(...Array.from(holder.childNodes));
  return fragment;
}
