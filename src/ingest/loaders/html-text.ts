/**
 * DOM → plain text that keeps the structure chunkers need: one paragraph per
 * block element separated by blank lines, headings as Markdown `#` lines (so
 * the Markdown-aware splitter can build heading paths), list items as `- `,
 * table rows as `a | b`, and <pre> verbatim.
 */
const SKIP = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object', 'embed',
  'head', 'button', 'select', 'input', 'textarea', 'map', 'audio', 'video',
]);
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'main', 'aside', 'nav', 'header', 'footer', 'blockquote',
  'figure', 'figcaption', 'form', 'fieldset', 'address', 'dl', 'dt', 'dd', 'ul', 'ol', 'hr',
  'table', 'thead', 'tbody', 'tfoot', 'caption', 'details', 'summary', 'body', 'html', 'center',
]);
const HEADING = /^h([1-6])$/;
/** Set on headings before Readability runs, which demotes every <h1> to <h2>; holds the original level. */
export const LEVEL_ATTR = 'data-ic-level';

interface Block {
  text: string;
  /** List items and table rows sit on consecutive lines; everything else is a paragraph of its own. */
  tight: boolean;
}

interface Out {
  blocks: Block[];
  line: string;
  /** Prefix (list bullet) for the next paragraph that gets text. */
  prefix: string;
}

function flush(out: Out): void {
  const text = out.line
    .split('\n')
    .map((l) => l.replace(/[^\S\n]+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n');
  if (text) out.blocks.push({ text: out.prefix + text, tight: out.prefix !== '' });
  out.line = '';
  if (text) out.prefix = '';
}

function tagOf(node: Node): string {
  return (node as Element).localName?.toLowerCase() ?? '';
}

function walk(node: Node, out: Out): void {
  if (node.nodeType === 3) {
    out.line += (node.textContent ?? '').replace(/\s+/g, ' ');
    return;
  }
  if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return;
  const el = node as Element;
  const tag = tagOf(node);
  if (SKIP.has(tag) || (node.nodeType === 1 && (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true'))) return;

  const heading = HEADING.exec(tag);
  if (heading) {
    flush(out);
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const level = Number(el.getAttribute(LEVEL_ATTR) ?? heading[1]);
    if (text) out.blocks.push({ text: `${'#'.repeat(level >= 1 && level <= 6 ? level : Number(heading[1]))} ${text}`, tight: false });
    return;
  }
  switch (tag) {
    case 'br':
      out.line += '\n';
      return;
    case 'pre': {
      flush(out);
      const text = (el.textContent ?? '').replace(/^\n+|\s+$/g, '');
      if (text) out.blocks.push({ text, tight: false });
      return;
    }
    case 'li': {
      flush(out);
      const parent = el.parentElement;
      out.prefix = parent && tagOf(parent) === 'ol' ? `${Array.from(parent.children).filter((c) => tagOf(c) === 'li').indexOf(el) + 1}. ` : '- ';
      walkChildren(node, out);
      flush(out);
      out.prefix = '';
      return;
    }
    case 'tr': {
      flush(out);
      const cells = Array.from(el.children)
        .filter((c) => /^t[hd]$/.test(tagOf(c)))
        .map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim());
      if (cells.some((c) => c !== '')) out.blocks.push({ text: cells.join(' | '), tight: true });
      return;
    }
  }
  const block = BLOCK.has(tag);
  if (block) flush(out);
  walkChildren(node, out);
  if (block) flush(out);
}

function walkChildren(node: Node, out: Out): void {
  for (const child of Array.from(node.childNodes)) walk(child, out);
}

export function domToText(root: Node): string {
  const out: Out = { blocks: [], line: '', prefix: '' };
  walk(root, out);
  flush(out);
  let text = '';
  out.blocks.forEach((b, i) => {
    if (i > 0) text += b.tight && out.blocks[i - 1]?.tight ? '\n' : '\n\n';
    text += b.text;
  });
  return text;
}
