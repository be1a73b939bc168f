/**
 * Turn a Markdown document into a real PDF, DOCX or standalone HTML page, so
 * the demo corpus (and the ingest tests) exercise every loader on files made
 * the way real tools make them, from one readable source.
 *
 *   npx tsx scripts/make-doc-fixtures.ts <in.md> <out.pdf|out.docx|out.html>
 *
 * The HTML page wraps the article in a site header, nav bar and footer on
 * purpose: the HTML loader must keep the article and drop the chrome.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Document as DocxDocument, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { parse as parseYaml } from 'yaml';

export type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'item'; ordered: boolean; n: number; text: string }
  | { type: 'code'; lines: string[] }
  | { type: 'quote'; text: string }
  | { type: 'table'; rows: string[][] }
  | { type: 'rule' };

export interface ParsedMarkdown {
  title: string;
  description?: string;
  blocks: Block[];
}

/** A deliberately small Markdown reader: the block structure is what the fixtures need, not full CommonMark. */
export function parseMarkdown(source: string, fallbackTitle = 'Untitled'): ParsedMarkdown {
  let text = source.replace(/\r\n?/g, '\n');
  let front: Record<string, unknown> = {};
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (fm) {
    const data: unknown = parseYaml(fm[1] ?? '');
    if (data && typeof data === 'object' && !Array.isArray(data)) front = data as Record<string, unknown>;
    text = text.slice(fm[0].length);
  }
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let para: string[] = [];
  const endPara = () => {
    if (para.length) blocks.push({ type: 'paragraph', text: para.join(' ') });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^(`{3,}|~{3,})/.exec(line);
    if (fence?.[1]) {
      endPara();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith(fence[1]); i++) code.push(lines[i] ?? '');
      blocks.push({ type: 'code', lines: code });
      continue;
    }
    const heading = /^(#{1,6})\s+(.+?)\s*#*$/.exec(line);
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (heading?.[1] && heading[2]) {
      endPara();
      blocks.push({ type: 'heading', level: heading[1].length, text: heading[2] });
    } else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      endPara();
      blocks.push({ type: 'rule' });
    } else if (item) {
      endPara();
      blocks.push({ type: 'item', ordered: item[2] !== undefined, n: Number(item[2] ?? 0), text: item[3] ?? '' });
    } else if (line.startsWith('>')) {
      endPara();
      blocks.push({ type: 'quote', text: line.replace(/^>\s?/, '') });
    } else if (/^\s*\|.*\|\s*$/.test(line)) {
      endPara();
      const rows: string[][] = [];
      for (; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i] ?? ''); i++) {
        const row = lines[i] ?? '';
        if (/^\s*\|[\s:|-]+\|\s*$/.test(row)) continue;
        rows.push(row.trim().slice(1, -1).split('|').map((c) => c.trim()));
      }
      i--;
      blocks.push({ type: 'table', rows });
    } else if (line.trim() === '') {
      endPara();
    } else if (/^\s/.test(line) && blocks.at(-1)?.type === 'item' && para.length === 0) {
      const last = blocks.at(-1) as Extract<Block, { type: 'item' }>;
      last.text += ` ${line.trim()}`;
    } else {
      para.push(line.trim());
    }
  }
  endPara();
  const h1 = blocks.find((b): b is Extract<Block, { type: 'heading' }> => b.type === 'heading' && b.level === 1);
  const title = typeof front['title'] === 'string' ? front['title'] : h1 ? plain(h1.text) : fallbackTitle;
  const description = typeof front['description'] === 'string' ? front['description'] : undefined;
  return { title, blocks, ...(description ? { description } : {}) };
}

interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  href?: string;
}

/** Inline Markdown → styled spans: `code`, **bold**, *italic*, [links](url). */
export function inlineSpans(text: string): Span[] {
  const spans: Span[] = [];
  const re = /`([^`]+)`|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) spans.push({ text: text.slice(last, m.index) });
    if (m[1] !== undefined) spans.push({ text: m[1], code: true });
    else if (m[2] !== undefined || m[3] !== undefined) spans.push({ text: m[2] ?? m[3] ?? '', bold: true });
    else if (m[4] !== undefined) spans.push({ text: m[4], italic: true });
    else spans.push({ text: m[5] ?? '', href: m[6] ?? '' });
    last = m.index + m[0].length;
  }
  if (last < text.length) spans.push({ text: text.slice(last) });
  return spans;
}

function plain(text: string): string {
  return inlineSpans(text)
    .map((s) => s.text)
    .join('');
}

// ---------------------------------------------------------------- PDF

const PAGE = { width: 595.28, height: 841.89, margin: 56 };
const SIZES: Record<number, number> = { 1: 20, 2: 16, 3: 13.5, 4: 12, 5: 11, 6: 11 };
const BODY = 11;
const CODE = 9.5;

/** The standard PDF fonts only cover WinAnsi; map the usual typographic extras and drop what cannot be drawn. */
const ASCII_FALLBACK: Record<string, string> = { '→': '->', '←': '<-', '≤': '<=', '≥': '>=', '✓': 'v', '✗': 'x', '≈': '~', '×': 'x', '\t': '    ' };
function drawable(font: PDFFont, text: string): string {
  const ok = new Set(font.getCharacterSet());
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 63;
    out += ok.has(cp) ? ch : (ASCII_FALLBACK[ch] ?? '?');
  }
  return out;
}

function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export async function markdownToPdf(md: ParsedMarkdown): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(md.title, { showInWindowTitleBar: true });
  pdf.setCreator('incontext make-doc-fixtures');
  pdf.setProducer('pdf-lib');
  if (md.description) pdf.setSubject(md.description);
  // Fixed dates keep regenerated fixtures byte-stable, so git shows real changes only.
  pdf.setCreationDate(new Date('2024-01-01T00:00:00Z'));
  pdf.setModificationDate(new Date('2024-01-01T00:00:00Z'));
  const fonts = {
    body: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
    italic: await pdf.embedFont(StandardFonts.HelveticaOblique),
    code: await pdf.embedFont(StandardFonts.Courier),
  };
  const width = PAGE.width - 2 * PAGE.margin;
  let page: PDFPage = pdf.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;

  const line = (text: string, font: PDFFont, size: number, indent = 0) => {
    if (y - size < PAGE.margin) {
      page = pdf.addPage([PAGE.width, PAGE.height]);
      y = PAGE.height - PAGE.margin;
    }
    y -= size;
    page.drawText(text, { x: PAGE.margin + indent, y, size, font, color: rgb(0.1, 0.1, 0.1) });
    y -= size * 0.35;
  };
  const para = (text: string, font: PDFFont, size: number, indent = 0, prefix = '') => {
    const lines = wrap(font, size, drawable(font, plain(text)), width - indent);
    lines.forEach((l, i) => line(i === 0 ? prefix + l : l, font, size, indent + (i === 0 ? 0 : font.widthOfTextAtSize(prefix, size))));
  };
  // A blank gap clearly bigger than line spacing is how a PDF says "new paragraph".
  const gap = (size = BODY) => (y -= size * 0.9);

  md.blocks.forEach((block, i) => {
    switch (block.type) {
      case 'heading': {
        const size = SIZES[block.level] ?? BODY;
        gap(size * 0.6);
        para(block.text, fonts.bold, size);
        gap(size * 0.3);
        break;
      }
      case 'paragraph':
        para(block.text, fonts.body, BODY);
        gap();
        break;
      case 'quote':
        para(block.text, fonts.italic, BODY, 18);
        gap();
        break;
      case 'item':
        para(block.text, fonts.body, BODY, 12, block.ordered ? `${block.n}. ` : '- ');
        // The list ends here: set it off from what follows like any paragraph.
        if (md.blocks[i + 1]?.type !== 'item') gap();
        break;
      case 'code':
        for (const l of block.lines) line(drawable(fonts.code, l) || ' ', fonts.code, CODE, 12);
        gap();
        break;
      case 'table':
        for (const row of block.rows) para(row.join(' | '), fonts.body, BODY);
        gap();
        break;
      case 'rule':
        gap();
        break;
    }
  });
  return pdf.save();
}

// ---------------------------------------------------------------- DOCX

const DOCX_HEADINGS = [
  HeadingLevel.HEADING_1,
  HeadingLevel.HEADING_2,
  HeadingLevel.HEADING_3,
  HeadingLevel.HEADING_4,
  HeadingLevel.HEADING_5,
  HeadingLevel.HEADING_6,
] as const;

function runs(text: string): TextRun[] {
  return inlineSpans(text).map(
    (s) =>
      new TextRun({
        text: s.text,
        ...(s.bold ? { bold: true } : {}),
        ...(s.italic ? { italics: true } : {}),
        ...(s.code ? { font: 'Courier New' } : {}),
      }),
  );
}

export async function markdownToDocx(md: ParsedMarkdown): Promise<Uint8Array> {
  const children: Paragraph[] = [];
  for (const block of md.blocks) {
    switch (block.type) {
      case 'heading':
        children.push(new Paragraph({ children: runs(block.text), heading: DOCX_HEADINGS[block.level - 1] ?? HeadingLevel.HEADING_6 }));
        break;
      case 'paragraph':
      case 'quote':
        children.push(new Paragraph({ children: runs(block.text) }));
        break;
      case 'item':
        children.push(
          block.ordered
            ? new Paragraph({ children: [new TextRun(`${block.n}. `), ...runs(block.text)] })
            : new Paragraph({ children: runs(block.text), bullet: { level: 0 } }),
        );
        break;
      case 'code':
        children.push(
          new Paragraph({ children: block.lines.map((l, i) => new TextRun({ text: l, font: 'Courier New', ...(i > 0 ? { break: 1 } : {}) })) }),
        );
        break;
      case 'table':
        for (const row of block.rows) children.push(new Paragraph({ children: runs(row.join(' | ')) }));
        break;
      case 'rule':
        break;
    }
  }
  const doc = new DocxDocument({
    title: md.title,
    creator: 'incontext make-doc-fixtures',
    ...(md.description ? { description: md.description } : {}),
    sections: [{ children }],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

// ---------------------------------------------------------------- HTML

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function inlineHtml(text: string): string {
  return inlineSpans(text)
    .map((s) => {
      const t = esc(s.text);
      if (s.code) return `<code>${t}</code>`;
      if (s.bold) return `<strong>${t}</strong>`;
      if (s.italic) return `<em>${t}</em>`;
      if (s.href !== undefined) return `<a href="${esc(s.href)}">${t}</a>`;
      return t;
    })
    .join('');
}

function articleHtml(blocks: Block[]): string {
  const out: string[] = [];
  let list: 'ul' | 'ol' | undefined;
  const closeList = () => {
    if (list) out.push(`</${list}>`);
    list = undefined;
  };
  for (const block of blocks) {
    if (block.type !== 'item') closeList();
    switch (block.type) {
      case 'heading':
        out.push(`<h${block.level}>${inlineHtml(block.text)}</h${block.level}>`);
        break;
      case 'paragraph':
        out.push(`<p>${inlineHtml(block.text)}</p>`);
        break;
      case 'quote':
        out.push(`<blockquote><p>${inlineHtml(block.text)}</p></blockquote>`);
        break;
      case 'item': {
        const want = block.ordered ? 'ol' : 'ul';
        if (list !== want) {
          closeList();
          out.push(`<${want}>`);
          list = want;
        }
        out.push(`<li>${inlineHtml(block.text)}</li>`);
        break;
      }
      case 'code':
        out.push(`<pre><code>${esc(block.lines.join('\n'))}</code></pre>`);
        break;
      case 'table': {
        const [head, ...rows] = block.rows;
        const cells = (r: string[], tag: string) => `<tr>${r.map((c) => `<${tag}>${inlineHtml(c)}</${tag}>`).join('')}</tr>`;
        out.push(`<table>${head ? `<thead>${cells(head, 'th')}</thead>` : ''}<tbody>${rows.map((r) => cells(r, 'td')).join('')}</tbody></table>`);
        break;
      }
      case 'rule':
        out.push('<hr>');
        break;
    }
  }
  closeList();
  return out.join('\n');
}

/** Site chrome with words that never appear in an article, so a test can prove they were dropped. */
export const HTML_CHROME = {
  nav: ['Home', 'Guides', 'API reference', 'Community forum', 'Changelog'],
  header: 'incontext documentation portal',
  footer: 'Copyright incontext contributors. Privacy policy. Terms of service.',
};

export function markdownToHtml(md: ParsedMarkdown): string {
  const nav = HTML_CHROME.nav.map((n) => `<a href="#${n.toLowerCase().replace(/\s+/g, '-')}">${esc(n)}</a>`).join('\n      ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(md.title)}</title>
  ${md.description ? `<meta name="description" content="${esc(md.description)}">` : ''}
  <style>
    body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
    header, nav, footer { background: #f3f3f3; padding: 0.5rem 1rem; }
    nav a { margin-right: 1rem; }
    article { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.55; }
    pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; }
  </style>
  <script>window.analyticsQueue = window.analyticsQueue || []; // tracking snippet, not content</script>
</head>
<body>
  <header class="site-header"><div class="brand">${esc(HTML_CHROME.header)}</div></header>
  <nav class="site-nav" aria-label="Main">
      ${nav}
  </nav>
  <main>
    <article>
${articleHtml(md.blocks)}
    </article>
  </main>
  <footer class="site-footer"><p>${esc(HTML_CHROME.footer)}</p></footer>
</body>
</html>
`;
}

// ---------------------------------------------------------------- CLI

export async function convert(markdown: string, outName: string, fallbackTitle?: string): Promise<Uint8Array> {
  const md = parseMarkdown(markdown, fallbackTitle);
  const ext = extname(outName).toLowerCase();
  if (ext === '.pdf') return markdownToPdf(md);
  if (ext === '.docx') return markdownToDocx(md);
  if (ext === '.html' || ext === '.htm') return new TextEncoder().encode(markdownToHtml(md));
  throw new Error(`Unsupported output "${ext || outName}": use .pdf, .docx or .html`);
}

async function main(argv: string[]): Promise<number> {
  const [input, output] = argv;
  if (!input || !output) {
    process.stderr.write('usage: npx tsx scripts/make-doc-fixtures.ts <in.md> <out.pdf|out.docx|out.html>\n');
    return 2;
  }
  const source = await readFile(input, 'utf8');
  const bytes = await convert(source, output, basename(input, extname(input)));
  await writeFile(output, bytes);
  process.stdout.write(`wrote ${output} (${bytes.byteLength} bytes)\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
