import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { loadBuffer } from './index.js';
import { assertSafeZip } from './zip-guard.js';
import { thrownError as failure } from '../testing/index.js';

interface FakeEntry {
  name: string;
  data: Buffer;
  /** 8 = deflate (default), 0 = stored. */
  method?: number;
  /** Size written in the headers instead of the real one (a lying archive). */
  declaredSize?: number;
  /** Point the central record at another entry's local header (overlapping entries). */
  sameLocalAs?: number;
}

/** A minimal zip writer, so every field a bomb can abuse is under the test's control. */
function zip(entries: FakeEntry[], opts: { zip64?: boolean; prepend?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = opts.prepend ?? 0;
  entries.forEach((e, i) => {
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const size = e.declaredSize ?? e.data.length;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const localOffset = e.sameLocalAs === undefined ? offset : offsets[e.sameLocalAs]!;
    offsets.push(localOffset);
    if (e.sameLocalAs === undefined) {
      locals.push(local, name, body);
      offset += 30 + name.length + body.length;
    }
    const extra = opts.zip64 ? Buffer.alloc(4 + 24) : Buffer.alloc(0);
    if (opts.zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(localOffset), 20);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(opts.zip64 ? 45 : 20, 4);
    central.writeUInt16LE(opts.zip64 ? 45 : 20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc32(e.data), 16);
    central.writeUInt32LE(opts.zip64 ? 0xffffffff : body.length, 20);
    central.writeUInt32LE(opts.zip64 ? 0xffffffff : size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(opts.zip64 ? 0xffffffff : localOffset, 42);
    centrals.push(central, name, extra);
    void i;
  });
  const cd = Buffer.concat(centrals);
  const cdOffset = offset;
  const tail: Buffer[] = [];
  if (opts.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cdOffset, 16);
  return Buffer.concat([Buffer.alloc(opts.prepend ?? 0, 0x20), ...locals, cd, ...tail, eocd]);
}


const zeros = (n: number) => Buffer.alloc(n, 0x30);
const docxParts = (document: Buffer): FakeEntry[] => [
  { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types/>') },
  { name: 'word/document.xml', data: document },
];

describe('assertSafeZip', () => {
  it('passes a real .docx and lists its entries', async () => {
    const { Document, Packer, Paragraph } = await import('docx');
    const bytes = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('Parking moves to level 2.')] }] }));
    const names = assertSafeZip(bytes, 'memo.docx').map((e) => e.name);
    expect(names).toContain('word/document.xml');
    const [doc] = await loadBuffer(bytes, 'memo.docx');
    expect(doc?.text).toContain('Parking moves to level 2.');
  });

  it('passes zip64 records and archives with bytes prepended (as JSZip reads them)', () => {
    const entries = docxParts(Buffer.from('<w:document>hello</w:document>'));
    expect(assertSafeZip(zip(entries, { zip64: true }), 'z64.docx').map((e) => e.uncompressedSize)).toEqual([29, 30]);
    expect(assertSafeZip(zip(entries, { prepend: 100 }), 'sfx.docx')).toHaveLength(2);
  });

  it('refuses an entry that expands past the ratio limit (classic bomb), also declared through zip64', () => {
    for (const zip64 of [false, true]) {
      const err = failure(() => assertSafeZip(zip(docxParts(zeros(5 * 1024 * 1024)), { zip64 }), 'bomb.docx'));
      expect([err.code, err.input?.path]).toEqual(['FILE_TOO_LARGE', 'bomb.docx']);
      expect(err.message).toMatch(/looks like a zip bomb: entry "word\/document.xml" expands \d+:1 \(limit 200:1\)/);
    }
  });

  it('refuses archives over the total size or entry count', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.xml`, data: Buffer.from(`<x>${i}</x>`) }));
    expect(failure(() => assertSafeZip(zip(many), 'many.zip', { maxEntries: 10 })).message).toContain('11 entries, over the limit of 10');
    const big = Array.from({ length: 3 }, (_, i) => ({ name: `p${i}.bin`, data: Buffer.alloc(400_000, i), method: 0 }));
    expect(failure(() => assertSafeZip(zip(big), 'big.zip', { maxUncompressedBytes: 1_000_000 })).message).toContain('expand to more than 1000000 bytes');
    expect(assertSafeZip(zip(big), 'big.zip', { maxUncompressedBytes: 1_200_000 })).toHaveLength(3);
  });

  it('refuses an entry whose data inflates past its declared size (a lying header)', () => {
    const err = failure(() => assertSafeZip(zip([{ name: 'word/document.xml', data: zeros(5 * 1024 * 1024), declaredSize: 1000 }]), 'liar.docx'));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.message).toContain('inflates past the 1000 bytes its header declares');
  });

  it('refuses overlapping entries (the non-recursive overlap bomb)', () => {
    const entries: FakeEntry[] = [
      { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
      { name: 'word/styles.xml', data: Buffer.from('<w:document/>'), sameLocalAs: 0 },
    ];
    expect(failure(() => assertSafeZip(zip(entries), 'overlap.docx')).message).toContain('overlaps another entry');
  });

  it('refuses damaged archives with PARSE_FAILED', () => {
    const good = zip(docxParts(Buffer.from('<w:document/>')));
    expect(failure(() => assertSafeZip(good.subarray(0, good.length - 5), 'cut.docx')).code).toBe('PARSE_FAILED');
    const broken = Buffer.from(good);
    broken.writeUInt32LE(0xdeadbeef, 0); // first local header
    expect(failure(() => assertSafeZip(broken, 'broken.docx')).message).toContain('has no local header');
  });

  it('guards the DOCX loader: a bomb named .docx is refused before mammoth runs', async () => {
    const err = await loadBuffer(zip(docxParts(zeros(5 * 1024 * 1024))), 'report.docx').then(() => undefined, (e: unknown) => e);
    expect(IncontextError.isInstance(err) && [err.code, err.input?.path]).toEqual(['FILE_TOO_LARGE', 'report.docx']);
  });
});
