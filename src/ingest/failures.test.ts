import { chmod, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, rgb } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../../scripts/make-doc-fixtures.js';
import { FIXTURES, PNG_1X1, failure, longMarkdown, tempDir } from './__fixtures__/helpers.js';
import { loadBuffer, loadFile } from './index.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

describe('empty input', () => {
  it('fails a 0-byte file with FILE_EMPTY', async () => {
    const path = await tmp.file('empty.md', '');
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_EMPTY');
    expect(err.input?.path).toBe(path);
  });

  it('fails a whitespace-only text file with FILE_EMPTY', async () => {
    const err = await failure(() => loadBuffer(Buffer.from(' \n\t\r\n  \n'), 'blank.txt'));
    expect(err.code).toBe('FILE_EMPTY');
  });

  it('fails a PDF without a text layer (a scan) with FILE_EMPTY and an OCR hint', async () => {
    const pdf = await PDFDocument.create();
    pdf.addPage().drawRectangle({ x: 40, y: 40, width: 300, height: 400, color: rgb(0.8, 0.8, 0.8) });
    const path = await tmp.file('scan.pdf', await pdf.save());
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_EMPTY');
    expect(err.input?.path).toBe(path);
    expect(err.hint).toMatch(/OCR/);
  });

  it('fails a DOCX with no text with FILE_EMPTY', async () => {
    const { Document, Packer, Paragraph } = await import('docx');
    const bytes = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph({ text: '' })] }] }));
    const err = await failure(() => loadBuffer(bytes, 'blank.docx'));
    expect(err.code).toBe('FILE_EMPTY');
    expect(err.input?.path).toBe('blank.docx');
  });

  it('fails an HTML page that is only chrome with FILE_EMPTY', async () => {
    const html = '<html><body><nav><a href="/">Home</a></nav><footer>(c) 2024</footer><script>x()</script></body></html>';
    const err = await failure(() => loadBuffer(Buffer.from(html), 'chrome.html'));
    expect(err.code).toBe('FILE_EMPTY');
  });

  it('fails a CSV with only a header, and a JSON array of empty records, with FILE_EMPTY', async () => {
    expect((await failure(() => loadBuffer(Buffer.from('a,b\n'), 'head.csv'))).code).toBe('FILE_EMPTY');
    expect((await failure(() => loadBuffer(Buffer.from('[{}, {"n": null}]'), 'e.json'))).code).toBe('FILE_EMPTY');
    const err = await failure(() => loadBuffer(Buffer.from('[{"a": "x"}]'), 'f.json', { jsonTextFields: ['body'] }));
    expect(err.code).toBe('FILE_EMPTY');
    expect(err.hint).toContain('body');
  });
});

describe('corrupt files', () => {
  it('fails a truncated PDF with PARSE_FAILED', async () => {
    const bytes = await convert(longMarkdown(40), 'x.pdf');
    const path = await tmp.file('truncated.pdf', bytes.slice(0, Math.floor(bytes.length / 2)));
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input?.path).toBe(path);
  });

  it('fails a .pdf that is not a PDF at all with PARSE_FAILED', async () => {
    const err = await failure(() => loadBuffer(Buffer.from('hello, I am not a PDF'), 'fake.pdf'));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.message).toContain('%PDF-');
  });

  it('fails a DOCX whose zip is garbage with PARSE_FAILED', async () => {
    // Starts like a zip and names word/document.xml, so it is sniffed as DOCX, but nothing after that is valid.
    const garbage = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(26, 7), Buffer.from('word/document.xml'), Buffer.alloc(400, 0xab)]);
    const path = await tmp.file('garbage.docx', garbage);
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input?.path).toBe(path);
  });

  it('fails a truncated real DOCX with PARSE_FAILED', async () => {
    const bytes = await convert(longMarkdown(20), 'x.docx');
    const err = await failure(() => loadBuffer(bytes.slice(0, bytes.length - 200), 'cut.docx'));
    expect(err.code).toBe('PARSE_FAILED');
  });

  it('fails a zip without word/document.xml named .docx with PARSE_FAILED', async () => {
    const err = await failure(() => loadBuffer(Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18)), 'archive.docx'));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.message).toContain('word/document.xml');
  });

  it('fails a ragged CSV row with PARSE_FAILED and its line, instead of guessing columns', async () => {
    const path = join(FIXTURES, 'ragged.csv');
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input).toEqual({ path, line: 3 });
  });

  it('fails an unclosed CSV quote with PARSE_FAILED', async () => {
    const err = await failure(() => loadBuffer(Buffer.from('a,b\n1,"open\n2,3\n'), 'q.csv'));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input?.line).toBeGreaterThanOrEqual(2);
  });
});

describe('binary and unsupported', () => {
  it('fails a PNG renamed .txt with FILE_BINARY', async () => {
    const path = await tmp.file('photo.txt', PNG_1X1);
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_BINARY');
    expect(err.input?.path).toBe(path);
    expect(err.message).toContain('PNG');
  });

  it('fails random binary bytes named .md with FILE_BINARY', async () => {
    const bytes = Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 256);
    expect((await failure(() => loadBuffer(bytes, 'notes.md'))).code).toBe('FILE_BINARY');
  });

  it('fails a PNG (and an extensionless binary) with UNSUPPORTED_FORMAT and a hint listing the formats', async () => {
    for (const name of ['photo.png', 'blob']) {
      const err = await failure(() => loadBuffer(PNG_1X1, name));
      expect(err.code).toBe('UNSUPPORTED_FORMAT');
      expect(err.input?.path).toBe(name);
      for (const ext of ['.txt', '.md', '.html', '.pdf', '.docx', '.csv', '.json', '.jsonl']) expect(err.hint).toContain(ext);
    }
  });

  it('fails a zip that is not a Word document with UNSUPPORTED_FORMAT', async () => {
    const err = await failure(() => loadBuffer(Buffer.from('PK\u0003\u0004' + 'xl/workbook.xml'.padEnd(200, '\u0000')), 'book.xlsx'));
    expect(err.code).toBe('UNSUPPORTED_FORMAT');
  });
});

describe('size limit', () => {
  it('fails a file over maxBytes with FILE_TOO_LARGE and names the option', async () => {
    const path = await tmp.file('big.txt', 'x'.repeat(2000));
    const err = await failure(() => loadFile(path, { maxBytes: 1000 }));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.input?.path).toBe(path);
    expect(err.hint).toContain('maxBytes');
    expect((await failure(() => loadBuffer(Buffer.alloc(1001, 65), 'up.txt', { maxBytes: 1000 }))).code).toBe('FILE_TOO_LARGE');
    expect(await loadBuffer(Buffer.alloc(1000, 65), 'ok.txt', { maxBytes: 1000 })).toHaveLength(1);
  });
});

describe('unreadable paths', () => {
  it('fails a missing file with FILE_UNREADABLE', async () => {
    const path = join(tmp.dir, 'does-not-exist.md');
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_UNREADABLE');
    expect(err.input?.path).toBe(path);
  });

  it('fails a directory with FILE_UNREADABLE', async () => {
    const path = join(tmp.dir, 'a-directory.txt');
    await mkdir(path);
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_UNREADABLE');
    expect(err.message).toContain('directory');
  });

  it('fails a broken symlink with FILE_UNREADABLE', async () => {
    const path = join(tmp.dir, 'dangling.md');
    await symlink(join(tmp.dir, 'gone.md'), path);
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_UNREADABLE');
    expect(err.message).toContain('symbolic link');
  });

  // root reads a chmod 000 file anyway, so the permission case can only be observed as a normal user;
  // the directory and broken-symlink cases above cover FILE_UNREADABLE when running as root.
  it.skipIf(process.getuid?.() === 0)('fails a file without read permission with FILE_UNREADABLE', async () => {
    const path = await tmp.file('secret.txt', 'classified');
    await chmod(path, 0o000);
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('FILE_UNREADABLE');
    expect(err.hint).toMatch(/access/);
  });
});
