/**
 * Zip-bomb check for DOCX (and any zip) before it reaches mammoth/JSZip, which would inflate
 * whatever the archive holds into memory and do not verify sizes or CRCs by default.
 *
 * From the central directory: the entry count, the declared total uncompressed size and each
 * entry's compression ratio are bounded, and entries may not overlap (overlapping entries are
 * how non-recursive bombs reach 10^6:1 ratios). Declared sizes can lie, so every entry is then
 * inflated once with its declared size as a hard output cap: data that inflates past its
 * declared size is refused, and no entry can allocate more than the bounded total.
 */
import { inflateRawSync } from 'node:zlib';
import { IncontextError } from '../core/index.js';

export interface ZipLimits {
  /** Default 10,000. */
  maxEntries?: number;
  /** Sum of uncompressed sizes; default 200 MiB. */
  maxUncompressedBytes?: number;
  /** Uncompressed / compressed size of one entry, applied to entries over 1 MiB; default 200 (deflate peaks near 1032). */
  maxRatio?: number;
}

export interface ZipEntryInfo {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MIB = 1024 * 1024;
const RATIO_FLOOR = MIB;

class ZipError extends Error {}
/** A limit, not damage: reported as FILE_TOO_LARGE. */
class ZipLimitError extends Error {}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('a zip64 size is beyond 2^53');
  return Number(v);
}

interface Entry extends ZipEntryInfo {
  flags: number;
  localOffset: number;
}

function findEocd(view: DataView): number {
  const last = view.byteLength - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw new ZipError('no end-of-central-directory record');
}

function readCentralDirectory(bytes: Uint8Array, maxEntries: number): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.byteLength < 22) throw new ZipError('too short to be a zip archive');
  const eocd = findEocd(view);
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let recordEnd = eocd;
  if ((count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === EOCD64_LOCATOR) {
    const at = u64(view, eocd - 20 + 8);
    if (at + 56 > view.byteLength || view.getUint32(at, true) !== EOCD64) throw new ZipError('broken zip64 end-of-central-directory record');
    count = u64(view, at + 32);
    cdSize = u64(view, at + 40);
    cdOffset = u64(view, at + 48);
    recordEnd = at;
  }
  if (count > maxEntries) throw new ZipLimitError(`it has ${count} entries, over the limit of ${maxEntries}`);
  // Like JSZip: bytes prepended to the archive shift every offset by the same amount.
  const shift = recordEnd - (cdOffset + cdSize);
  if (shift < 0) throw new ZipError('the central directory runs past its end record');

  const entries: Entry[] = [];
  let at = cdOffset + shift;
  for (let i = 0; i < count; i++) {
    if (at + 46 > recordEnd || view.getUint32(at, true) !== CENTRAL) throw new ZipError(`central directory entry ${i + 1} is damaged`);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    let localOffset = view.getUint32(at + 42, true);
    const name = Buffer.from(bytes.subarray(at + 46, at + 46 + nameLen)).toString('utf8');
    // Zip64 extra field: only the fields saturated in the fixed header are present, in this order.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen; ) {
      const id = view.getUint16(x, true);
      const size = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let p = x + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = u64(view, p);
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(view, p);
          p += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(view, p);
      }
      x += 4 + size;
    }
    entries.push({ name, method: view.getUint16(at + 10, true), flags: view.getUint16(at + 8, true), compressedSize, uncompressedSize, localOffset: localOffset + shift });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Where each entry's compressed data starts; refuses entries that leave the file or overlap. */
function dataRanges(view: DataView, entries: Entry[], end: number): Map<Entry, number> {
  const starts = new Map<Entry, number>();
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  let previousEnd = 0;
  for (const e of sorted) {
    const at = e.localOffset;
    if (at < previousEnd) throw new ZipError(`entry "${e.name}" overlaps another entry`);
    if (at + 30 > end || view.getUint32(at, true) !== LOCAL) throw new ZipError(`entry "${e.name}" has no local header`);
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const stop = start + e.compressedSize;
    if (stop > end) throw new ZipError(`entry "${e.name}" runs past the central directory`);
    starts.set(e, start);
    previousEnd = stop;
  }
  return starts;
}

function inflatedSize(data: Uint8Array, e: Entry): number {
  if (e.method === 0) return data.byteLength;
  if (e.method !== 8) return 0; // JSZip refuses other methods itself, without inflating anything.
  try {
    // One byte of headroom: output that reaches it inflates past what the header declares.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, e.uncompressedSize + 1) }).byteLength;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return Infinity;
    throw new ZipError(`entry "${e.name}" does not inflate: ${(err as Error).message}`);
  }
}

function tooLarge(path: string, why: string): IncontextError {
  return new IncontextError('FILE_TOO_LARGE', `${path} looks like a zip bomb: ${why}`, {
    input: { path },
    hint: 'Real documents stay far below these limits. If this file is genuine, split it or save it again from its application; otherwise do not ingest it.',
  });
}

/**
 * Throws FILE_TOO_LARGE when the archive would expand past the limits, PARSE_FAILED when its
 * structure is damaged or deceptive (overlapping entries, sizes that lie, encrypted entries).
 * Returns the entries so callers can look at names without unzipping.
 */
export function assertSafeZip(bytes: Uint8Array, path: string, limits: ZipLimits = {}): ZipEntryInfo[] {
  const maxEntries = limits.maxEntries ?? 10_000;
  const maxTotal = limits.maxUncompressedBytes ?? 200 * MIB;
  const maxRatio = limits.maxRatio ?? 200;
  try {
    const entries = readCentralDirectory(bytes, maxEntries);
    let declared = 0;
    for (const e of entries) {
      if (e.flags & 0x1) throw new ZipError(`entry "${e.name}" is encrypted`);
      declared += e.uncompressedSize;
      if (declared > maxTotal) throw tooLarge(path, `its entries expand to more than ${maxTotal} bytes`);
      if (e.uncompressedSize > RATIO_FLOOR && e.uncompressedSize > e.compressedSize * maxRatio) {
        throw tooLarge(path, `entry "${e.name}" expands ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1 (limit ${maxRatio}:1)`);
      }
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const starts = dataRanges(view, entries, bytes.byteLength);
    for (const e of entries) {
      const start = starts.get(e)!;
      const actual = inflatedSize(bytes.subarray(start, start + e.compressedSize), e);
      if (actual > e.uncompressedSize) throw new ZipError(`entry "${e.name}" inflates past the ${e.uncompressedSize} bytes its header declares`);
    }
    return entries.map(({ name, method, compressedSize, uncompressedSize }) => ({ name, method, compressedSize, uncompressedSize }));
  } catch (err) {
    if (err instanceof ZipLimitError) throw tooLarge(path, err.message);
    if (err instanceof ZipError || err instanceof RangeError) {
      throw new IncontextError('PARSE_FAILED', `Could not read ${path} as a zip archive: ${err.message}`, {
        input: { path },
        hint: 'The file is damaged or was built to mislead unzip tools. Save it again from its application, or leave it out of the input.',
        cause: err,
      });
    }
    throw err;
  }
}
