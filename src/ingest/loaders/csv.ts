import { parse } from 'csv-parse/sync';
import type { Metadata, MetadataValue } from '../../core/index.js';
import { IncontextError } from '../../core/index.js';
import { fileEmpty, parseFailed } from '../errors.js';
import { makeDoc, stem, titleField, type LoaderInput } from './shared.js';
import type { LoadedDocument } from '../types.js';

/** Plain decimal numbers only: `007` or `+1` stay strings, since they are usually codes, not quantities. */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function cell(value: string): MetadataValue {
  const v = value.trim();
  if (v === '') return null;
  if (NUMBER.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || v.includes('.') || /e/i.test(v))) return n;
  }
  return v;
}

/** Header names as keys: blanks get `column_N`, repeats get `_2`, `_3` so no column silently overwrites another. */
function headerNames(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    const base = h.trim() || `column_${i + 1}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}

interface CsvErrorShape {
  code?: string;
  lines?: number;
}

/**
 * A row with a different number of fields than the header is an error (with
 * its line), not padded or truncated: guessing which column a value belongs to
 * would put wrong values under the wrong field names without anyone noticing.
 */
function parseRows(input: LoaderInput, delimiter: string): string[][] {
  try {
    return parse(input.text, { delimiter, bom: true, skip_empty_lines: true, relax_quotes: false }) as string[][];
  } catch (err) {
    const e = err as CsvErrorShape;
    const line = typeof e.lines === 'number' ? e.lines : undefined;
    if (e.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' || e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      throw new IncontextError('PARSE_FAILED', `Ragged CSV row in ${input.path}: ${(err as Error).message}`, {
        input: { path: input.path, ...(line === undefined ? {} : { line }) },
        hint: 'Every row must have as many fields as the header. Fix that row (quote values that contain the delimiter) and ingest again.',
        cause: err,
      });
    }
    throw parseFailed(input.path, 'a CSV file', err, line);
  }
}

/**
 * Spreadsheets in many locales export "CSV" with semicolons (the comma is their
 * decimal mark). When the header line has no comma but does have semicolons or
 * tabs, that is the delimiter.
 */
export function sniffDelimiter(text: string): string {
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').replace(/"[^"]*"/g, '');
  if (header.includes(',')) return ',';
  if (header.includes(';')) return ';';
  if (header.includes('\t')) return '\t';
  return ',';
}

export function loadDelimited(input: LoaderInput, delimiter = sniffDelimiter(input.text)): LoadedDocument[] {
  const rows = parseRows(input, delimiter);
  const [header, ...data] = rows;
  if (!header || data.length === 0) {
    throw fileEmpty(input.path, header ? 'the CSV has a header row but no data rows' : 'the CSV has no rows');
  }
  const names = headerNames(header);
  const records = data.map((row) => {
    const metadata: Metadata = {};
    const lines: string[] = [];
    names.forEach((name, i) => {
      const raw = row[i] ?? '';
      metadata[name] = cell(raw);
      if (raw.trim() !== '') lines.push(`${name}: ${raw.trim()}`);
    });
    return { metadata, text: lines.join('\n') };
  });

  if (input.options.csvMode === 'table') {
    return [
      makeDoc(input, {
        format: 'csv',
        // One block per row, separated by blank lines, so chunk boundaries fall between rows.
        text: records.map((r) => r.text).join('\n\n'),
        title: stem(input.origin),
        metadata: { rows: records.length, columns: names },
      }),
    ];
  }
  const titleKey = titleField(names);
  const docs: LoadedDocument[] = [];
  records.forEach((r, i) => {
    if (r.text === '') return;
    const t = titleKey ? r.metadata[titleKey] : undefined;
    docs.push(
      makeDoc(input, {
        format: 'csv',
        text: r.text,
        title: typeof t === 'string' || typeof t === 'number' ? String(t) : `${stem(input.origin)} row ${i + 1}`,
        metadata: r.metadata,
        fragment: `#row=${i + 1}`,
      }),
    );
  });
  return docs;
}
