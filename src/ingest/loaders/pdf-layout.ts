/**
 * Turning pdf.js text items back into readable text: lines from positions,
 * paragraphs from spacing, running headers/footers and page numbers removed,
 * words hyphenated across a line break rejoined.
 */
export interface Line {
  text: string;
  /** Baseline y in PDF space (grows upwards). */
  y: number;
  size: number;
}

interface PositionedText {
  str: string;
  transform: number[];
  height: number;
  hasEOL: boolean;
}

export function isTextItem<T extends object>(item: T): item is T & PositionedText {
  return 'str' in item && 'transform' in item;
}

export function toLines(items: PositionedText[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | undefined;
  for (const item of items) {
    const y = Number(item.transform[5] ?? 0);
    const size = Math.max(Math.abs(Number(item.transform[3] ?? 0)), item.height, 1);
    if (cur && Math.abs(cur.y - y) > size * 0.4) {
      lines.push(cur);
      cur = undefined;
    }
    if (!cur) cur = { text: '', y, size };
    cur.text += item.str;
    cur.size = Math.max(cur.size, size);
    if (item.hasEOL) {
      lines.push(cur);
      cur = undefined;
    }
  }
  if (cur) lines.push(cur);
  return lines.filter((l) => l.text.trim() !== '');
}

/**
 * A PDF has no paragraphs, only positioned text. Rebuild them from the layout:
 * a vertical gap clearly larger than the page's usual line spacing, or a
 * change of font size (a heading), starts a new paragraph. Chunkers need these
 * breaks; without them a whole page is one run-on block.
 */
function pageText(lines: Line[]): string {
  const gaps = lines
    .slice(1)
    .map((l, i) => (lines[i]?.y ?? 0) - l.y)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  // Lower quartile, not median: on short pages paragraph gaps can outnumber line gaps.
  const typical = gaps[Math.floor(gaps.length / 4)];
  let out = '';
  lines.forEach((line, i) => {
    const prev = lines[i - 1];
    if (prev) {
      const gap = prev.y - line.y;
      const sizeChange = Math.abs(prev.size - line.size) / Math.max(prev.size, line.size) > 0.15;
      const limit = typical !== undefined && gaps.length >= 2 ? typical * 1.4 : line.size * 1.8;
      out += gap < 0 || gap > limit || sizeChange ? '\n\n' : '\n';
    }
    out += line.text.replace(/[^\S\n]+/g, ' ').trim();
  });
  return out;
}

/** A page break is a paragraph break unless a sentence visibly runs on across it. */
function joinPages(pages: string[]): string {
  return pages.reduce((acc, page) => {
    if (!acc) return page;
    const runsOn = !/[.!?:;"')\]]\s*$/.test(acc) && /^\s*[a-z]/.test(page);
    return acc + (runsOn ? '\n' : '\n\n') + page;
  }, '');
}


const PAGE_NUMBER = /^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|\/)\s*\d{1,4})?$/i;

function furnitureKey(line: Line): string {
  return line.text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Running headers, footers and page numbers repeat on every page and would
 * end up in chunks as noise (and split paragraphs that cross a page break).
 * A first or last line whose text (digits ignored) recurs on at least half of
 * the pages, or a line near the edge that is only a page number, is dropped.
 */
export function stripPageFurniture(pages: Line[][]): Line[][] {
  const counts = new Map<string, number>();
  for (const lines of pages) {
    const edge = new Set([lines[0], lines.at(-1)].filter((l): l is Line => l !== undefined).map(furnitureKey));
    for (const key of edge) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const repeated = (l: Line) => pages.length >= 3 && (counts.get(furnitureKey(l)) ?? 0) >= Math.max(3, pages.length / 2);
  return pages.map((lines, p) =>
    lines.filter((l, i) => {
      // A page number may sit next to a one-line header; repeated text only counts as the very first or last line.
      const nearEdge = i < 2 || i >= lines.length - 2;
      const atEdge = i === 0 || i === lines.length - 1;
      // On the first page a line equal to the running header is the document's own title.
      return !((nearEdge && PAGE_NUMBER.test(l.text.trim())) || (atEdge && p > 0 && repeated(l)));
    }),
  );
}

/** "man-\nagement" → "management": line-end hyphenation is layout, not spelling. */
export function dehyphenate(text: string): string {
  return text.replace(/(\p{Ll})-\n(\p{Ll})/gu, '$1$2');
}

export function layoutText(pages: Line[][]): string {
  const texts = stripPageFurniture(pages)
    .map(pageText)
    .filter((p) => p.trim() !== '');
  return dehyphenate(joinPages(texts));
}
