import { describe, expect, it } from 'vitest';
import { countTokens, createChunker } from './index.js';
import { parseSections } from './markdown.js';
import { expectValidPieces, guide, longText } from './__fixtures__/fixtures.js';
import type { ChunkPiece } from './types.js';

const markdown = (size: number, overlap: number) => createChunker({ strategy: 'markdown', size, overlap });
const pathOf = (pieces: ChunkPiece[], needle: string) => pieces.find((p) => p.text.includes(needle))?.metadata.headingPath;

/** [start, end) of every ``` block in the fixture, fences included. */
function fencedBlocks(text: string): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  const re = /^```[^\n]*\n[\s\S]*?^```$/gm;
  for (const m of text.matchAll(re)) blocks.push([m.index, m.index + m[0].length]);
  return blocks;
}

describe('markdown splitter', () => {
  it('keeps offsets, size and coverage', () => {
    for (const [text, size, overlap] of [
      [guide, 64, 8],
      [guide, 24, 4],
      [longText, 256, 32],
    ] as const) {
      expectValidPieces(text, markdown(size, overlap).split(text), size);
    }
  });

  it('gives every piece the path of headings it sits under', () => {
    const pieces = markdown(64, 8).split(guide);
    expect(pathOf(pieces, 'turns a folder of documents')).toEqual(['Incontext Guide']);
    expect(pathOf(pieces, 'Node.js 22 or newer')).toEqual(['Incontext Guide', 'Install']);
    expect(pathOf(pieces, 'npm install incontext')).toEqual(['Incontext Guide', 'Install', 'From npm']);
    expect(pathOf(pieces, 'Clone the repository')).toEqual(['Incontext Guide', 'Install', 'From source']);
    expect(pathOf(pieces, 'measured in tokens, not characters')).toEqual(['Incontext Guide', 'Usage', 'Ingest', 'Options']);
    expect(pathOf(pieces, 'Ask a question')).toEqual(['Incontext Guide', 'Usage', 'Ask']);
    expect(pathOf(pieces, 're-embedding unchanged files')).toEqual(['Incontext Guide', 'Troubleshooting']);
    for (const p of pieces) expect(Array.isArray(p.metadata.headingPath)).toBe(true);
  });

  it('keeps the heading line at the top of its section and adds no prefix', () => {
    const pieces = markdown(64, 8).split(guide);
    const firstOfPath = new Map<string, ChunkPiece>();
    for (const p of pieces) {
      const key = JSON.stringify(p.metadata.headingPath);
      if (!firstOfPath.has(key)) firstOfPath.set(key, p);
    }
    for (const [key, p] of firstOfPath) {
      const path = JSON.parse(key) as string[];
      expect(p.text.startsWith('#')).toBe(true);
      expect(p.text).toContain(`# ${path.at(-1)}`);
    }
    // A heading followed directly by a subheading rides along with it instead of standing alone.
    expect(pieces.some((p) => p.text === '## Usage')).toBe(false);
    expect(pathOf(pieces, '## Usage')).toEqual(['Incontext Guide', 'Usage', 'Ingest']);
  });

  it('never lets a piece cross into the next section', () => {
    const sections = parseSections(guide);
    expect(sections.map((s) => s.headingPath.at(-1))).toEqual(['Incontext Guide', 'Install', 'From npm', 'From source', 'Ingest', 'Options', 'Ask', 'Troubleshooting']);
    for (const p of markdown(256, 32).split(guide)) {
      const home = sections.find((s) => JSON.stringify(s.headingPath) === JSON.stringify(p.metadata.headingPath))!;
      expect(p.start).toBeGreaterThanOrEqual(home.start);
      expect(p.end).toBeLessThanOrEqual(home.end);
    }
  });

  it('never splits inside a fenced code block that fits', () => {
    const blocks = fencedBlocks(guide);
    expect(blocks).toHaveLength(2);
    const biggest = Math.max(...blocks.map(([s, e]) => countTokens(guide.slice(s, e))));
    for (const size of [biggest + 4, biggest + 20, 64]) {
      const pieces = markdown(size, 8).split(guide);
      for (const [s, e] of blocks) {
        expect(pieces.some((p) => p.start <= s && p.end >= e)).toBe(true);
        for (const p of pieces) {
          expect(p.start > s && p.start < e).toBe(false);
          expect(p.end > s && p.end < e).toBe(false);
        }
      }
    }
  });

  it('treats # lines inside code as code, not headings', () => {
    const pieces = markdown(64, 8).split(guide);
    const paths = pieces.flatMap((p) => p.metadata.headingPath as string[]);
    expect(paths.some((h) => h.includes('version printed'))).toBe(false);
    const tilde = 'Intro.\n\n~~~python\n# not a heading\nprint(1)\n~~~\n\n# Real\n\nBody.';
    const tildePieces = markdown(48, 0).split(tilde);
    expect(tildePieces.map((p) => p.metadata.headingPath)).toEqual([[], ['Real']]);
  });

  it('splits a code block bigger than the size, keeping pieces within it', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `  const value${i} = compute(${i}, "item-${i}");`);
    const text = `# Big\n\nSetup:\n\n\`\`\`js\n${lines.join('\n')}\n\`\`\`\n\nDone.`;
    const pieces = markdown(64, 8).split(text);
    expectValidPieces(text, pieces, 64);
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) expect(p.metadata.headingPath).toEqual(['Big']);
  });

  it('gives text before the first heading an empty path and strips closing #s', () => {
    const text = 'Preface text.\n\n## Setup ##\n\nSteps here.\n\n#NotAHeading\n';
    const pieces = markdown(16, 0).split(text);
    expect(pieces.map((p) => [p.text, p.metadata.headingPath])).toEqual([
      ['Preface text.', []],
      ['## Setup ##\n\nSteps here.\n\n#NotAHeading', ['Setup']],
    ]);
  });

  it('treats an unclosed fence as running to the end of the document', () => {
    const sections = parseSections('# A\n\n```\n# inside\ncode\n');
    expect(sections).toHaveLength(1);
    expect(sections[0]!.code).toEqual([[5, 23]]);
  });
});

describe('markdown with Windows line endings', () => {
  it('finds headings and closes fences before \\r\\n', () => {
    const text = guide.replace(/\n/g, '\r\n');
    const pieces = markdown(64, 8).split(text);
    expectValidPieces(text, pieces, 64);
    expect(pathOf(pieces, 'npm install incontext')).toEqual(['Incontext Guide', 'Install', 'From npm']);
    expect(pathOf(pieces, 're-embedding unchanged files')).toEqual(['Incontext Guide', 'Troubleshooting']);
  });
});
