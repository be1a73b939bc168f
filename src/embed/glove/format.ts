/**
 * The compact binary cache of the GloVe vectors. Loading the package's 307 MB
 * JSON costs seconds and ~1 GB of memory; this file holds the top words as int8
 * vectors with one float32 scale per vector (~11 MB for 100k words) and loads in
 * tens of milliseconds.
 *
 * Layout (little-endian):
 *   0   magic "ICGLOVE\0"
 *   8   u32 format version, u32 dims, u32 count, u32 sourceSize (words in the full vocabulary, for the Zipf law)
 *   24  u32 flags (bit 0: a principal component follows the vectors), u32 wordsBytes
 *   32  f32 the SIF parameter a the principal component was computed with, u32 reserved (0)
 *   40  f32 scales[count]
 *       i8  vectors[count * dims]
 *       f32 principal component[dims]        (when flag bit 0)
 *       utf8 words joined by "\n"            (wordsBytes)
 *   end sha256 of everything before it (32 bytes)
 * Length and checksum are both checked on load, so a truncated or corrupted file is
 * rebuilt rather than trusted.
 */
import { createHash } from 'node:crypto';

export const GLOVE_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('ICGLOVE\0', 'latin1');
const HEADER_BYTES = 40;
const DIGEST_BYTES = 32;

export interface GloveTable {
  dims: number;
  /** Number of words in the full source vocabulary; ranks are estimated against it. */
  sourceSize: number;
  /** Words in frequency order: index = rank. */
  words: string[];
  /** count × dims quantised components; the real value is q * scales[i]. */
  vectors: Int8Array;
  scales: Float32Array;
  /** Common-component direction (unit length), or undefined when not stored. */
  principalComponent: Float32Array | undefined;
  /** The SIF `a` the component was computed with: a cache made with another value is stale. */
  sifA: number;
}

export function encodeGloveTable(table: GloveTable): Buffer {
  const count = table.words.length;
  const wordBytes = Buffer.from(table.words.join('\n'), 'utf8');
  const pcBytes = table.principalComponent ? table.dims * 4 : 0;
  const bodyBytes = HEADER_BYTES + count * 4 + count * table.dims + pcBytes + wordBytes.length;
  const out = Buffer.alloc(bodyBytes + DIGEST_BYTES);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(GLOVE_FORMAT_VERSION, 8);
  out.writeUInt32LE(table.dims, 12);
  out.writeUInt32LE(count, 16);
  out.writeUInt32LE(table.sourceSize, 20);
  out.writeUInt32LE(table.principalComponent ? 1 : 0, 24);
  out.writeUInt32LE(wordBytes.length, 28);
  out.writeFloatLE(table.sifA, 32);
  let offset = HEADER_BYTES;
  Buffer.from(table.scales.buffer, table.scales.byteOffset, count * 4).copy(out, offset);
  offset += count * 4;
  Buffer.from(table.vectors.buffer, table.vectors.byteOffset, count * table.dims).copy(out, offset);
  offset += count * table.dims;
  if (table.principalComponent) {
    Buffer.from(table.principalComponent.buffer, table.principalComponent.byteOffset, pcBytes).copy(out, offset);
    offset += pcBytes;
  }
  wordBytes.copy(out, offset);
  createHash('sha256').update(out.subarray(0, bodyBytes)).digest().copy(out, bodyBytes);
  return out;
}

/** Decode a cache file; returns a reason string instead of throwing when the bytes are not a valid cache. */
export function decodeGloveTable(bytes: Buffer): GloveTable | string {
  if (bytes.length < HEADER_BYTES + DIGEST_BYTES) return `file too short (${bytes.length} bytes)`;
  if (!bytes.subarray(0, 8).equals(MAGIC)) return 'not an incontext GloVe cache (bad magic)';
  const version = bytes.readUInt32LE(8);
  if (version !== GLOVE_FORMAT_VERSION) return `format version ${version}, expected ${GLOVE_FORMAT_VERSION}`;
  const dims = bytes.readUInt32LE(12);
  const count = bytes.readUInt32LE(16);
  const sourceSize = bytes.readUInt32LE(20);
  const flags = bytes.readUInt32LE(24);
  const wordsBytes = bytes.readUInt32LE(28);
  const sifA = bytes.readFloatLE(32);
  const pcBytes = flags & 1 ? dims * 4 : 0;
  const bodyBytes = HEADER_BYTES + count * 4 + count * dims + pcBytes + wordsBytes;
  if (bytes.length !== bodyBytes + DIGEST_BYTES) return `length ${bytes.length}, header says ${bodyBytes + DIGEST_BYTES}`;
  const digest = createHash('sha256').update(bytes.subarray(0, bodyBytes)).digest();
  if (!digest.equals(bytes.subarray(bodyBytes))) return 'checksum mismatch';
  // Copies, so the typed arrays are aligned whatever the Buffer's offset in its pool.
  let offset = HEADER_BYTES;
  const scales = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4));
  offset += count * 4;
  const vectors = new Int8Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * dims));
  offset += count * dims;
  let principalComponent: Float32Array | undefined;
  if (pcBytes) {
    principalComponent = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + pcBytes));
    offset += pcBytes;
  }
  const words = bytes.toString('utf8', offset, offset + wordsBytes).split('\n');
  if (words.length !== count) return `word list has ${words.length} entries, header says ${count}`;
  return { dims, sourceSize, words, vectors, scales, principalComponent, sifA };
}
