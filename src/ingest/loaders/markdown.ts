import { parseDocument } from 'yaml';
import { parseFailed } from '../errors.js';
import { toMetadata } from './metadata.js';
import { makeDoc, type Loader } from './shared.js';

const FRONT_MATTER = /^---[^\S\n]*\n(?:([\s\S]*?)\n)?(?:---|\.\.\.)[^\S\n]*(?:\n|$)/;

/** Split YAML front matter off the body. Invalid YAML fails the file: silently indexing it as body text would hide the mistake. */
export function splitFrontMatter(text: string, origin: string): { data: Record<string, unknown>; body: string } {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const m = FRONT_MATTER.exec(src);
  if (!m) return { data: {}, body: src };
  if (!m[1]?.trim()) return { data: {}, body: src.slice(m[0].length) };
  const doc = parseDocument(m[1] ?? '');
  const err = doc.errors[0];
  if (err) {
    // +1: line numbers in the YAML are counted after the opening `---`.
    const line = err.linePos?.[0]?.line;
    throw parseFailed(origin, 'Markdown front matter (YAML)', err, line === undefined ? undefined : line + 1);
  }
  const data: unknown = doc.toJS();
  // A leading `---` followed by prose is a thematic break, not front matter.
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { data: {}, body: src };
  return { data: data as Record<string, unknown>, body: src.slice(m[0].length) };
}

/** First level-1 heading outside fenced code: ATX (`# Title`) or setext (`Title` over `===`). */
export function markdownTitle(body: string): string | undefined {
  const lines = body.split('\n');
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f?.[1]) {
      if (!fence) fence = f[1][0];
      else if (f[1][0] === fence) fence = undefined;
      continue;
    }
    if (fence) continue;
    const atx = /^\s{0,3}#\s+(.+?)\s*#*\s*$/.exec(line);
    if (atx?.[1]) return atx[1];
    const next = lines[i + 1];
    if (line.trim() && next !== undefined && /^\s{0,3}=+\s*$/.test(next)) return line.trim();
  }
  return undefined;
}

export const loadMarkdown: Loader = async (input) => {
  const { data, body } = splitFrontMatter(input.text, input.path);
  const fmTitle = typeof data['title'] === 'string' ? data['title'] : undefined;
  return [
    makeDoc(input, {
      format: 'markdown',
      text: body,
      title: fmTitle ?? markdownTitle(body),
      metadata: toMetadata(data),
    }),
  ];
};
