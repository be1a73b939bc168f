import { atomize, Break, SLACK, type Atom } from './atoms.js';
import { pack, type Span } from './pack.js';
import { recursivePacking } from './recursive.js';
import { countTokens } from './tokenizer.js';

/** A heading's section: from its heading line to the next heading of any level. */
export interface Section {
  start: number;
  end: number;
  /** 0 for text before the first heading. */
  level: number;
  headingPath: string[];
  /** Fenced code blocks inside the section, from the opening fence line to the end of the closing one. */
  code: Array<[number, number]>;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/;
const ATX = /^ {0,3}(#{1,6})(?=[ \t\r]|$)([^\n]*)$/;

/** Heading text without the optional closing run of #s: "## Install ##" → "Install". */
function headingText(rest: string): string {
  return rest.trim().replace(/(^|[ \t]+)#+$/, '').trim();
}

/** Splits Markdown into ATX-heading sections; `#` lines inside fenced code are code, not headings. */
export function parseSections(text: string): Section[] {
  const sections: Section[] = [];
  let current: Section = { start: 0, end: text.length, level: 0, headingPath: [], code: [] };
  const stack: Array<{ level: number; text: string }> = [];
  let fence: { char: string; length: number; start: number } | undefined;
  for (let lineStart = 0; lineStart < text.length; ) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(lineStart, lineEnd);
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*\r?$/.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length) {
        current.code.push([fence.start, lineEnd]);
        fence = undefined;
      }
    } else {
      const open = FENCE_OPEN.exec(line);
      const heading = open ? null : ATX.exec(line);
      // A backtick fence's info string may not contain backticks (CommonMark), so "```a```" is inline code.
      if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
        fence = { char: open[1]![0]!, length: open[1]!.length, start: lineStart };
      } else if (heading) {
        const level = heading[1]!.length;
        while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
        stack.push({ level, text: headingText(heading[2]!) });
        current.end = lineStart;
        sections.push(current);
        current = { start: lineStart, end: text.length, level, headingPath: stack.map((h) => h.text), code: [] };
      }
    }
    lineStart = lineEnd + 1;
  }
  // An unclosed fence runs to the end of the document, as CommonMark says.
  if (fence) current.code.push([fence.start, text.length]);
  sections.push(current);
  return mergeBareHeadings(text, sections.filter((s) => text.slice(s.start, s.end).trim().length > 0));
}

/**
 * "# Install" directly followed by "## From npm" would be a chunk holding a
 * title and nothing else; it joins the subsection, whose heading path already names it.
 */
function mergeBareHeadings(text: string, sections: Section[]): Section[] {
  const out: Section[] = [];
  for (let k = 0; k < sections.length; k++) {
    const s = sections[k]!;
    const next = sections[k + 1];
    const nl = text.indexOf('\n', s.start);
    const body = nl < 0 || nl >= s.end ? '' : text.slice(nl, s.end);
    if (s.level > 0 && next && next.level > s.level && next.start === s.end && body.trim() === '') {
      next.start = s.start;
      continue;
    }
    out.push(s);
  }
  return out;
}

export interface MarkdownSpan extends Span {
  headingPath: string[];
}

export function markdownSpans(text: string, size: number, overlap: number): MarkdownSpan[] {
  const out: MarkdownSpan[] = [];
  for (const section of parseSections(text)) {
    for (const span of pack(text, sectionAtoms(text, section, size), recursivePacking(size, overlap))) {
      out.push({ ...span, headingPath: [...section.headingPath] });
    }
  }
  return out;
}

/** A fenced block that fits is one atom, so no chunk ever ends inside it. */
function sectionAtoms(text: string, section: Section, size: number): Atom[] {
  const max = size - SLACK;
  const atoms: Atom[] = [];
  let cursor = section.start;
  const prose = (from: number, to: number): void => {
    const last = atoms[atoms.length - 1];
    if (last && text.slice(from, to).trim() === '') {
      // Blank lines after a code block belong to it rather than becoming an empty atom.
      last.end = to;
      last.tokens = countTokens(text.slice(last.start, to));
    } else if (to > from) atoms.push(...atomize(text, from, to, max, Break.PARAGRAPH));
  };
  for (const [codeStart, codeEnd] of section.code) {
    prose(cursor, codeStart);
    const tokens = countTokens(text.slice(codeStart, codeEnd));
    if (tokens <= max) atoms.push({ start: codeStart, end: codeEnd, tokens, level: Break.PARAGRAPH });
    else atoms.push(...atomize(text, codeStart, codeEnd, max, Break.PARAGRAPH));
    cursor = codeEnd;
  }
  prose(cursor, section.end);
  return atoms;
}
