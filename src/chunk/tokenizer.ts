import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { IncontextError } from '../core/index.js';

/**
 * cl100k_base counting that is cheap enough to call for every atom of a 1 MB
 * text. js-tiktoken's own encode() re-runs BPE for every word and its merge
 * loop is cubic in the piece length (a 4,000-character CJK run takes seconds),
 * so we split with the same pre-tokeniser pattern ourselves, memoise the ids of
 * short pieces (words repeat), and run an O(n log n) heap-based BPE over the
 * encoder's own rank table. The result is identical to tiktoken's
 * `encode(text, [], [])`: special-token strings inside documents are ordinary
 * text, because they come from users' files, not from us.
 */

interface Encoder {
  tiktoken: Tiktoken;
  /** Byte sequence as "b1,b2,..." → rank; the key format js-tiktoken uses. */
  ranks: Map<string, number>;
  pattern: RegExp;
}

let encoder: Encoder | undefined;
const require = createRequire(import.meta.url);

function load(): Encoder {
  if (encoder) return encoder;
  let bpe: TiktokenBPE;
  try {
    // Required lazily: the rank file is ~1.6 MB of JS and most importers only need types.
    bpe = require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE;
  } catch (cause) {
    throw new IncontextError('INTERNAL', 'Cannot load the cl100k_base ranks from js-tiktoken', {
      cause,
      hint: 'Reinstall dependencies (npm ci); js-tiktoken ships the rank file inside its package.',
    });
  }
  const tiktoken = new Tiktoken(bpe);
  encoder = { tiktoken, ranks: rankMapOf(tiktoken, bpe), pattern: new RegExp(bpe.pat_str, 'gu') };
  return encoder;
}

/** Reuse the map js-tiktoken already built; rebuild it only if a new version renamed the field. */
function rankMapOf(tiktoken: Tiktoken, bpe: TiktokenBPE): Map<string, number> {
  const internal = (tiktoken as unknown as { rankMap?: unknown }).rankMap;
  if (internal instanceof Map && internal.size > 0) return internal as Map<string, number>;
  const ranks = new Map<string, number>();
  for (const line of bpe.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offsetStr, ...tokens] = line.split(' ');
    const offset = Number.parseInt(offsetStr ?? '', 10);
    tokens.forEach((token, i) => ranks.set(Buffer.from(token, 'base64').join(','), offset + i));
  }
  return ranks;
}

const utf8 = new TextEncoder();
/** Pieces longer than this are rare (long words, CJK runs) and not worth remembering. */
const CACHE_PIECE_MAX = 64;
const CACHE_ENTRIES_MAX = 200_000;
const pieceCache = new Map<string, readonly number[]>();

function keyOf(bytes: Uint8Array, from: number, to: number): string {
  let key = String(bytes[from]);
  for (let i = from + 1; i < to; i++) key += ',' + String(bytes[i]);
  return key;
}

/**
 * Byte-pair merge of one pre-tokenised piece. Returns the start offsets of the
 * final parts plus `bytes.length`. Same merge order as tiktoken (lowest rank
 * first, leftmost on ties), kept in a heap so long pieces stay fast.
 */
export function mergeParts(bytes: Uint8Array, ranks: Map<string, number>): number[] {
  const n = bytes.length;
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  const version = new Int32Array(n + 1);
  const dead = new Uint8Array(n + 1);
  for (let i = 0; i <= n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const heap = new MinHeap();
  const pairRank = (i: number): number => {
    const j = next[i]!;
    if (j >= n) return -1;
    return ranks.get(keyOf(bytes, i, next[j]!)) ?? -1;
  };
  const offer = (i: number): void => {
    const r = pairRank(i);
    if (r >= 0) heap.push(r * 4294967296 + i, version[i]!);
  };
  for (let i = 0; i < n - 1; i++) offer(i);
  while (heap.size > 0) {
    const [key, ver] = heap.pop();
    const i = key % 4294967296;
    if (dead[i] || version[i] !== ver) continue;
    const j = next[i]!;
    if (j >= n) continue;
    const k = next[j]!;
    next[i] = k;
    if (k <= n) prev[k] = i;
    dead[j] = 1;
    version[i]!++;
    offer(i);
    const p = prev[i]!;
    if (p >= 0) {
      version[p]!++;
      offer(p);
    }
  }
  const starts: number[] = [];
  for (let i = 0; i < n; i = next[i]!) starts.push(i);
  starts.push(n);
  return starts;
}

function encodePiece(piece: string, enc: Encoder): readonly number[] {
  const cached = pieceCache.get(piece);
  if (cached) return cached;
  const bytes = utf8.encode(piece);
  const whole = enc.ranks.get(keyOf(bytes, 0, bytes.length));
  let ids: number[];
  if (whole !== undefined) ids = [whole];
  else {
    const starts = mergeParts(bytes, enc.ranks);
    ids = [];
    for (let p = 0; p < starts.length - 1; p++) {
      const id = enc.ranks.get(keyOf(bytes, starts[p]!, starts[p + 1]!));
      if (id !== undefined) ids.push(id);
    }
  }
  if (piece.length <= CACHE_PIECE_MAX) {
    // A crude bound: clearing is cheaper than LRU bookkeeping and the hot words come straight back.
    if (pieceCache.size >= CACHE_ENTRIES_MAX) pieceCache.clear();
    pieceCache.set(piece, ids);
  }
  return ids;
}

/** Number of cl100k_base tokens in `text`. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const enc = load();
  let total = 0;
  for (const m of text.matchAll(enc.pattern)) total += encodePiece(m[0], enc).length;
  return total;
}

/**
 * Calls `onPiece(offset, tokens)` for every pre-tokeniser piece of `text`, so a
 * caller can attribute the count of one long text to its parts in a single pass.
 */
export function forEachPiece(text: string, onPiece: (offset: number, tokens: number) => void): void {
  const enc = load();
  for (const m of text.matchAll(enc.pattern)) onPiece(m.index, encodePiece(m[0], enc).length);
}

/** cl100k_base token ids of `text` (special-token strings are encoded as plain text). */
export function encode(text: string): number[] {
  const enc = load();
  const out: number[] = [];
  for (const m of text.matchAll(enc.pattern)) for (const id of encodePiece(m[0], enc)) out.push(id);
  return out;
}

/** Text of cl100k_base token ids; a sequence cut inside a character decodes with U+FFFD. */
export function decode(ids: readonly number[]): string {
  return load().tiktoken.decode([...ids]);
}

/**
 * Where a text can be cut between tokens: character offsets (relative to
 * `text`) of every token boundary that falls on a character boundary, with the
 * number of tokens before it. Cuts inside a UTF-8 sequence (a CJK character
 * spread over two tokens) are skipped, so every slice stays valid text.
 */
export function tokenCuts(text: string): Array<{ offset: number; tokens: number }> {
  const enc = load();
  const cuts: Array<{ offset: number; tokens: number }> = [];
  let tokens = 0;
  for (const m of text.matchAll(enc.pattern)) {
    const piece = m[0];
    const bytes = utf8.encode(piece);
    const starts = mergeParts(bytes, enc.ranks);
    // byte offset → char offset for offsets that start a character
    const charAt = new Map<number, number>();
    let b = 0;
    for (let c = 0; c < piece.length; ) {
      charAt.set(b, c);
      const cp = piece.codePointAt(c)!;
      b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      c += cp > 0xffff ? 2 : 1;
    }
    charAt.set(b, piece.length);
    for (let p = 1; p < starts.length; p++) {
      tokens++;
      const c = charAt.get(starts[p]!);
      if (c !== undefined) cuts.push({ offset: m.index + c, tokens });
    }
  }
  return cuts;
}

/** Binary min-heap of (key, version) pairs; keys are rank·2³² + position. */
class MinHeap {
  private keys: number[] = [];
  private versions: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: number, ver: number): void {
    const keys = this.keys;
    const vers = this.versions;
    let i = keys.length;
    keys.push(key);
    vers.push(ver);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      vers[i] = vers[parent]!;
      i = parent;
    }
    keys[i] = key;
    vers[i] = ver;
  }
  pop(): [number, number] {
    const keys = this.keys;
    const vers = this.versions;
    const top: [number, number] = [keys[0]!, vers[0]!];
    const lastKey = keys.pop()!;
    const lastVer = vers.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && keys[r]! < keys[l]! ? r : l;
        if (keys[c]! >= lastKey) break;
        keys[i] = keys[c]!;
        vers[i] = vers[c]!;
        i = c;
      }
      keys[i] = lastKey;
      vers[i] = lastVer;
    }
    return top;
  }
}
