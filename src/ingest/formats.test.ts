import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTML_CHROME, convert } from '../../scripts/make-doc-fixtures.js';
import { sha256 } from '../core/index.js';
import { FIXTURES, failure, longMarkdown, tempDir } from './__fixtures__/helpers.js';
import { loadBuffer, loadFile } from './index.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

const fixture = (name: string) => join(FIXTURES, name);

describe('text', () => {
  it('normalises line endings, NULs and blank-line runs, keeps paragraphs, hashes raw bytes', async () => {
    const raw = 'Release notes\r\n\r\nFirst para\u0000graph.\r\n\r\n\r\n\r\n\r\n\r\nSecond paragraph.\r\n';
    const path = await tmp.file('notes.txt', raw);
    const [doc, ...rest] = await loadFile(path, { root: tmp.dir });
    expect(rest).toHaveLength(0);
    expect(doc).toMatchObject({ origin: 'notes.txt', source: 'notes.txt', format: 'text', title: 'Release notes' });
    expect(doc?.text).toBe('Release notes\n\nFirst paragraph.\n\n\nSecond paragraph.');
    expect(doc?.contentHash).toBe(sha256(Buffer.from(raw)));
  });

  it('uses the path as given when no root is passed', async () => {
    const path = await tmp.file('plain.txt', 'just one line');
    const [doc] = await loadFile(path);
    expect(doc?.origin).toBe(path);
    expect(doc?.title).toBeUndefined();
  });
});

describe('markdown', () => {
  it('strips YAML front matter into metadata and takes the title from it', async () => {
    const path = await tmp.file(
      'guide.md',
      '---\ntitle: Deployment guide\nversion: 3\ndraft: false\ntags: [ops, k8s]\nowner:\n  team: platform\n---\n# Deploying\n\nRun the script.\n',
    );
    const [doc] = await loadFile(path, { root: tmp.dir });
    expect(doc?.format).toBe('markdown');
    expect(doc?.title).toBe('Deployment guide');
    expect(doc?.text).toBe('# Deploying\n\nRun the script.');
    expect(doc?.metadata).toEqual({ title: 'Deployment guide', version: 3, draft: false, tags: ['ops', 'k8s'], 'owner.team': 'platform' });
  });

  it('takes the title from the first # heading, ignoring code fences', async () => {
    const path = await tmp.file('readme.markdown', '```sh\n# not a heading\n```\n\nIntro.\n\n# Real title\n\n## Section\n');
    const [doc] = await loadFile(path);
    expect(doc?.title).toBe('Real title');
    expect(doc?.metadata).toEqual({});
  });

  it('strips empty front matter, and keeps a leading --- block that is prose, not YAML', async () => {
    expect((await loadBuffer(Buffer.from('---\n---\n# Title\n\ntext'), 'e.md'))[0]?.text).toBe('# Title\n\ntext');
    const [prose] = await loadBuffer(Buffer.from('---\njust a line of prose\n---\nbody'), 'p.md');
    expect(prose?.text).toBe('---\njust a line of prose\n---\nbody');
    expect(prose?.metadata).toEqual({});
  });

  it('fails on invalid front matter with the line of the YAML error', async () => {
    const path = await tmp.file('bad-front.md', '---\ntitle: ok\nlist: [a, b\n---\nbody\n');
    const err = await failure(() => loadFile(path));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input?.path).toBe(path);
    expect(err.input?.line).toBeGreaterThanOrEqual(3);
  });
});

describe('html', () => {
  it('keeps the article and drops nav, header, footer and scripts (page made by make-doc-fixtures)', async () => {
    const md = '# Shipping guide\n\nOrders leave the warehouse within two days.\n\n## Tracking\n\n- Tracking links arrive by email.\n- Parcels can be redirected.\n';
    const path = await tmp.file('shipping.html', await convert(md, 'x.html'));
    const [doc] = await loadFile(path, { root: tmp.dir });
    expect(doc?.format).toBe('html');
    expect(doc?.title).toBe('Shipping guide');
    expect(doc?.text).toContain('Orders leave the warehouse within two days.');
    expect(doc?.text).toMatch(/^## Tracking$/m);
    expect(doc?.text).toContain('- Tracking links arrive by email.\n- Parcels can be redirected.');
    for (const chrome of [...HTML_CHROME.nav, HTML_CHROME.header, HTML_CHROME.footer, 'analyticsQueue', 'font-family']) {
      expect(doc?.text).not.toContain(chrome);
    }
  });

  it('finds the post on a blog page without semantic tags, dropping sidebar, comments and cookie banner', async () => {
    const [doc] = await loadFile(fixture('blog-no-article.html'));
    expect(doc?.title).toBe('Why we moved to SQLite – Acme Engineering');
    expect(doc?.metadata).toEqual({ lang: 'en', description: 'Lessons from a migration', author: 'Jo Smith' });
    expect(doc?.text).toMatch(/^# Why we moved to SQLite\n\n/);
    expect(doc?.text).toContain('the 99th percentile dropped from 12 ms to under 2 ms');
    expect(doc?.text).toContain('PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;');
    expect(doc?.text).toContain('Metric | Before | After\np99 read | 12 ms | 1.8 ms');
    for (const chrome of ['Jobs at Acme', 'Sign in', 'Popular posts', 'Ten tips for Kubernetes', 'Great post', 'cookies']) {
      expect(doc?.text).not.toContain(chrome);
    }
  });

  it('keeps the real level of an <h1> that Readability would demote', async () => {
    const html = `<!DOCTYPE html><html><body><main><h1>Main title</h1><p>${'Body words. '.repeat(60)}</p><h2>Part</h2><p>More.</p></main></body></html>`;
    const [doc] = await loadBuffer(Buffer.from(html), 'levels.html');
    expect(doc?.text).toMatch(/^# Main title\n\nBody words\./);
    expect(doc?.text).toContain('\n\n## Part\n\nMore.');
  });

  it('still drops the chrome on a page too large for Readability', async () => {
    const rows = Array.from({ length: 16_000 }, (_, i) => `<p>Entry ${i} of the log.</p>`).join('');
    const html = `<html><body><nav>Site menu link</nav><div>${rows}<span>last entry marker</span></div><footer>Footer text</footer></body></html>`;
    const [doc] = await loadBuffer(Buffer.from(html), 'dump.html');
    expect(doc?.text).toContain('Entry 15999 of the log.');
    expect(doc?.text).toContain('last entry marker');
    expect(doc?.text).not.toContain('Site menu link');
    expect(doc?.text).not.toContain('Footer text');
  });

  it('reads fragments and pages without <body>', async () => {
    expect((await loadBuffer(Buffer.from('hello plain'), 'a.html'))[0]?.text).toBe('hello plain');
    expect((await loadBuffer(Buffer.from('<html><head><title>T</title></head><p>hi there</p></html>'), 'b.html'))[0]).toMatchObject({
      text: 'hi there',
      title: 'T',
    });
  });

  it('falls back to the body without chrome when there is no article element', async () => {
    const [doc] = await loadFile(fixture('page-no-article.html'));
    expect(doc?.title).toBe('Status page');
    expect(doc?.text).toContain('All systems operational');
    expect(doc?.text).toContain('The API, dashboard and webhooks are running normally.');
    for (const chrome of ['Acme status home', 'Past incidents', 'Subscribe to updates', 'uptime blog', 'footer 2024', 'tracking pixel', 'color:red']) {
      expect(doc?.text).not.toContain(chrome);
    }
  });
});

describe('pdf (generated with pdf-lib by make-doc-fixtures)', () => {
  it('extracts every page with paragraph breaks, page count and the info title', async () => {
    const path = await tmp.file('agreement.pdf', await convert(longMarkdown(60), 'x.pdf'));
    const [doc] = await loadFile(path, { root: tmp.dir });
    expect(doc?.format).toBe('pdf');
    expect(doc?.title).toBe('Service agreement');
    expect(doc?.metadata['pages']).toBeGreaterThan(1);
    expect(doc?.text).toContain('Paragraph 1 covers clause 1');
    expect(doc?.text).toContain('zebra clause');
    // Paragraphs must stay apart: the chunkers split on blank lines.
    expect(doc?.text).toMatch(/PDF\.\n\nParagraph 2 covers/);
    // A paragraph that runs over a page break stays one paragraph.
    expect(doc?.text).not.toMatch(/[a-z]\n\n[a-z]/);
    expect(doc?.text).toMatch(/\n\nTermination\n\n/);
  });

  it('drops running headers, footers and page numbers, and rejoins words hyphenated at a line end', async () => {
    const { PDFDocument, StandardFonts } = await import('pdf-lib');
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (let n = 1; n <= 4; n++) {
      const page = pdf.addPage([400, 500]);
      const draw = (text: string, y: number) => page.drawText(text, { x: 40, y, size: 10, font });
      draw('Acme staff handbook - internal', 470);
      draw(`Section ${n} explains the rules for area ${n}. Good records help`, 420);
      draw(n === 2 ? 'everyone: expense manage-' : 'everyone: keep them current.', 407);
      draw(n === 2 ? 'ment is reviewed monthly.' : 'Questions go to the office.', 394);
      draw(`Page ${n} of 4`, 30);
    }
    const [doc] = await loadBuffer(await pdf.save(), 'handbook.pdf');
    const text = doc?.text ?? '';
    expect(text).not.toMatch(/Page \d of 4/);
    // Kept once, on the first page, where it reads as the document's own heading.
    expect(text.match(/Acme staff handbook/g)).toHaveLength(1);
    expect(text).toContain('expense management is reviewed monthly.');
    expect(text).toContain('Section 4 explains the rules for area 4.');
  });

  it('takes the title from the first line when the PDF info has none', async () => {
    const { PDFDocument, StandardFonts } = await import('pdf-lib');
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const page = pdf.addPage();
    page.drawText('Quarterly report', { x: 50, y: 700, size: 18, font });
    page.drawText('Revenue grew by four percent.', { x: 50, y: 660, size: 11, font });
    const [doc] = await loadBuffer(await pdf.save(), 'report.pdf');
    expect(doc?.title).toBe('Quarterly report');
    expect(doc?.text).toBe('Quarterly report\n\nRevenue grew by four percent.');
    expect(doc?.metadata).toEqual({ pages: 1 });
  });
});

describe('docx (generated with docx by make-doc-fixtures)', () => {
  it('keeps headings as # lines and takes the title from the first heading', async () => {
    const md = '# Travel policy\n\nBook flights through the portal.\n\n## Per diem\n\nMeals are covered up to **40 EUR** a day.\n\n- Keep receipts\n- Submit monthly\n';
    const path = await tmp.file('travel.docx', await convert(md, 'x.docx'));
    const [doc] = await loadFile(path, { root: tmp.dir });
    expect(doc?.format).toBe('docx');
    expect(doc?.title).toBe('Travel policy');
    expect(doc?.text).toBe(
      '# Travel policy\n\nBook flights through the portal.\n\n## Per diem\n\nMeals are covered up to 40 EUR a day.\n\n- Keep receipts\n- Submit monthly',
    );
  });
});

describe('csv', () => {
  it('gives one document per row with field: value text and typed metadata', async () => {
    const docs = await loadFile(fixture('products.csv'), { root: FIXTURES });
    expect(docs.map((d) => d.source)).toEqual(['products.csv#row=1', 'products.csv#row=2', 'products.csv#row=3']);
    expect(new Set(docs.map((d) => d.origin))).toEqual(new Set(['products.csv']));
    const [first, second, third] = docs;
    expect(first?.text).toBe('sku: A-1\nname: Trail running shoe\nprice: 89.90\nstock: 12\nzip: 01234\nnotes: Lightweight, with a rock plate');
    expect(first?.title).toBe('Trail running shoe');
    // Numbers become numbers; a zero-padded code stays a string.
    expect(first?.metadata).toEqual({ sku: 'A-1', name: 'Trail running shoe', price: 89.9, stock: 12, zip: '01234', notes: 'Lightweight, with a rock plate' });
    expect(second?.metadata['notes']).toBeNull();
    expect(second?.text).not.toContain('notes');
    expect(third?.text).toContain('notes: Says "bright" on the box');
    const raw = await readFile(fixture('products.csv'));
    expect(docs.every((d) => d.contentHash === sha256(raw))).toBe(true);
  });

  it("gives one document for the whole table in 'table' mode", async () => {
    const docs = await loadFile(fixture('products.csv'), { csvMode: 'table' });
    expect(docs).toHaveLength(1);
    expect(docs[0]?.metadata).toEqual({ rows: 3, columns: ['sku', 'name', 'price', 'stock', 'zip', 'notes'] });
    expect(docs[0]?.text.split('\n\n')).toHaveLength(3);
  });

  it('detects a semicolon-delimited export', async () => {
    const [doc] = await loadBuffer(Buffer.from('Produkt;Preis\n"Käse; alt";4,50\n'), 'preise.csv');
    expect(doc?.metadata).toEqual({ Produkt: 'Käse; alt', Preis: '4,50' });
  });

  it('reads .tsv with tabs', async () => {
    const [doc] = await loadBuffer(Buffer.from('city\tpopulation\nLyon\t522250\n'), 'cities.tsv');
    expect(doc?.metadata).toEqual({ city: 'Lyon', population: 522250 });
    expect(doc?.format).toBe('csv');
  });
});

describe('json and jsonl', () => {
  it('gives one document per record of an array, string fields as text, scalars as metadata', async () => {
    const docs = await loadFile(fixture('articles.json'), { root: FIXTURES });
    expect(docs.map((d) => d.source)).toEqual(['articles.json#record=1', 'articles.json#record=2']);
    expect(docs[0]?.text).toBe('title: Onboarding\nbody: New hires get a laptop on day one.\nauthor.name: Dana\nauthor.team: People\ntags: hr, it');
    expect(docs[0]?.title).toBe('Onboarding');
    expect(docs[0]?.metadata).toMatchObject({ year: 2024, published: true, 'author.name': 'Dana', tags: ['hr', 'it'] });
    expect(docs[1]?.metadata).toMatchObject({ year: 2023, published: false });
  });

  it('uses only jsonTextFields as text when given, and keeps them out of metadata', async () => {
    const docs = await loadFile(fixture('articles.json'), { jsonTextFields: ['body'] });
    expect(docs[1]?.text).toBe('Submit receipts within 30 days.');
    expect(docs[1]?.metadata['body']).toBeUndefined();
    expect(docs[1]?.metadata['title']).toBe('Expenses');
  });

  it('gives one document for a top-level object', async () => {
    const docs = await loadBuffer(Buffer.from('{"name": "incontext", "description": "RAG in a box", "stars": 12}'), 'pkg.json');
    expect(docs).toHaveLength(1);
    expect(docs[0]?.source).toBe('pkg.json');
    expect(docs[0]?.text).toBe('name: incontext\ndescription: RAG in a box');
    expect(docs[0]?.metadata).toEqual({ name: 'incontext', description: 'RAG in a box', stars: 12 });
  });

  it('fails invalid JSON with PARSE_FAILED and the line of the error', async () => {
    const err = await failure(() => loadFile(fixture('invalid.json')));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input).toEqual({ path: fixture('invalid.json'), line: 4 });
  });

  it('reads JSON Lines saved with a .json extension as lines', async () => {
    const docs = await loadBuffer(Buffer.from('{"q": "one"}\n{"q": "two"}\n'), 'export.json');
    expect(docs.map((d) => [d.source, d.text])).toEqual([
      ['export.json#line=1', 'q: one'],
      ['export.json#line=2', 'q: two'],
    ]);
  });

  it('gives one document per JSONL line, numbered by physical line', async () => {
    const docs = await loadFile(fixture('faq.jsonl'), { root: FIXTURES, jsonTextFields: ['question', 'answer'] });
    expect(docs.map((d) => d.source)).toEqual(['faq.jsonl#line=1', 'faq.jsonl#line=3']);
    expect(docs[1]?.text).toBe('Do you ship abroad?\n\nYes, to 30 countries.');
    expect(docs[1]?.metadata).toEqual({ id: 2, category: 'shipping' });
    expect(docs[1]?.format).toBe('json');
  });

  it('fails the whole JSONL file on one bad line, naming that line', async () => {
    const err = await failure(() => loadFile(fixture('bad.jsonl')));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input).toEqual({ path: fixture('bad.jsonl'), line: 3 });
  });
});

describe('loadBuffer', () => {
  it('gives the same documents as loadFile for the same bytes and name', async () => {
    const bytes = await readFile(fixture('products.csv'));
    expect(await loadBuffer(bytes, 'products.csv')).toEqual(await loadFile(fixture('products.csv'), { root: FIXTURES }));
  });

  it('does not alter the caller’s bytes (pdf.js transfers buffers)', async () => {
    const bytes = await convert('# T\n\nSome text.', 'x.pdf');
    const copy = new Uint8Array(bytes);
    await loadBuffer(bytes, 'x.pdf');
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
  });
});
