import { describe, expect, it } from 'vitest';
import { convert } from '../../scripts/make-doc-fixtures.js';
import { tempDir } from './__fixtures__/helpers.js';
import { detect, loadBuffer, loadFile, normalizeText } from './index.js';

describe('content sniffing beats a wrong or missing extension', () => {
  it('loads a PDF named .txt as a PDF', async () => {
    const tmp = await tempDir();
    try {
      const path = await tmp.file('scan-export.txt', await convert('# Minutes\n\nThe board approved the budget.', 'x.pdf'));
      const [doc] = await loadFile(path);
      expect(doc?.format).toBe('pdf');
      expect(doc?.text).toContain('The board approved the budget.');
    } finally {
      await tmp.cleanup();
    }
  });

  it('loads a DOCX with no extension as DOCX', async () => {
    const [doc] = await loadBuffer(await convert('# Memo\n\nParking moves to level 2.', 'x.docx'), 'memo');
    expect(doc?.format).toBe('docx');
    expect(doc?.text).toBe('# Memo\n\nParking moves to level 2.');
  });

  it('loads an HTML page with no extension (or .txt) as HTML', async () => {
    const page = '<!-- saved --><!DOCTYPE html><html><head><title>Saved page</title></head><body><nav>Menu item</nav><main><p>Body text here.</p></main></body></html>';
    for (const name of ['saved', 'saved.txt']) {
      const [doc] = await loadBuffer(Buffer.from(page), name);
      expect(doc?.format).toBe('html');
      expect(doc?.text).toBe('Body text here.');
      expect(doc?.text).not.toContain('Menu item');
    }
  });

  it('loads JSON with no extension as JSON records, and JSON Lines as lines', async () => {
    const docs = await loadBuffer(Buffer.from('[{"q": "a?"}, {"q": "b?"}]'), 'export');
    expect(docs.map((d) => [d.format, d.source])).toEqual([
      ['json', 'export#record=1'],
      ['json', 'export#record=2'],
    ]);
    const lines = await loadBuffer(Buffer.from('{"q": "a?"}\n{"q": "b?"}\n'), 'dump.txt');
    expect(lines.map((d) => d.source)).toEqual(['dump.txt#line=1', 'dump.txt#line=2']);
  });

  it('keeps a .txt that only starts with a bracket as text', async () => {
    const [doc] = await loadBuffer(Buffer.from('[draft] Meeting notes\nNothing decided.'), 'notes.txt');
    expect(doc?.format).toBe('text');
  });

  it('treats an extensionless file with a # heading as Markdown, and trusts specific extensions', () => {
    expect(detect(Buffer.from('# Readme\n\nHello'), 'README').kind).toBe('markdown');
    expect(detect(Buffer.from('<html><body>x</body></html>'), 'snippet.md').kind).toBe('markdown');
    expect(detect(Buffer.from('a,b\n1,2'), 'data.csv').kind).toBe('csv');
    expect(detect(Buffer.from('print("hi")'), 'script.py').kind).toBe('text');
  });
});

describe('text decoding', () => {
  it('reads UTF-8 with BOM, UTF-16 with BOM and legacy Windows-1252', async () => {
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Café crème')]);
    expect((await loadBuffer(utf8, 'a.txt'))[0]?.text).toBe('Café crème');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße aus Köln', 'utf16le')]);
    expect((await loadBuffer(utf16, 'b.txt'))[0]?.text).toBe('Grüße aus Köln');
    const cp1252 = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x74, 0x68, 0xe9]); // "Café – thé"
    expect((await loadBuffer(cp1252, 'c.txt'))[0]?.text).toBe('Café – thé');
  });
});

describe('normalizeText', () => {
  it('applies NFC, unifies line endings, strips NUL, and keeps at most two blank lines', () => {
    const decomposed = 'Cafe\u0301';
    expect(normalizeText(decomposed)).toBe('Café');
    expect(normalizeText('a\r\nb\rc')).toBe('a\nb\nc');
    expect(normalizeText('nu\u0000ll')).toBe('null');
    expect(normalizeText('one\n\n\n\n\n\n\ntwo')).toBe('one\n\n\ntwo');
    expect(normalizeText('one\n  \n\t\n \n \ntwo')).toBe('one\n\n\ntwo');
    expect(normalizeText('p1\n\np2')).toBe('p1\n\np2');
    expect(normalizeText('\n\n  lead\ntrail  \n\n')).toBe('  lead\ntrail');
  });
});
