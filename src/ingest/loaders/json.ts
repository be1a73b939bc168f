import { IncontextError } from '../../core/index.js';
import { looksLikeJsonl } from '../detect.js';
import { fileEmpty, parseFailed } from '../errors.js';
import type { LoadedDocument } from '../types.js';
import { jsonErrorLine } from './json-locate.js';
import { toMetadata } from './metadata.js';
import { makeDoc, stem, titleField, type LoaderInput } from './shared.js';

/** Longer strings are body text; as metadata they would only bloat every chunk row. */
const MAX_METADATA_STRING = 256;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(obj: { [key: string]: Json }, path: string): Json | undefined {
  if (path in obj) return obj[path];
  let cur: Json | undefined = obj;
  for (const part of path.split('.')) {
    if (cur === undefined || !isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function show(v: Json): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return JSON.stringify(v);
}

/** `key: value` lines of every string (or, failing that, every scalar) field, nested keys dotted. */
function fieldLines(obj: { [key: string]: Json }): string {
  const strings: string[] = [];
  const scalars: string[] = [];
  const visit = (o: { [key: string]: Json }, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix + k;
      if (typeof v === 'string') {
        if (v.trim()) strings.push(`${key}: ${v.trim()}`);
      } else if (typeof v === 'number' || typeof v === 'boolean') scalars.push(`${key}: ${String(v)}`);
      else if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) strings.push(`${key}: ${v.join(', ')}`);
      else if (isObject(v)) visit(v, `${key}.`);
    }
  };
  visit(obj, '');
  return (strings.length ? strings : scalars).join('\n');
}

function recordDoc(input: LoaderInput, value: Json, fragment: string, label: string): LoadedDocument | undefined {
  const fields = input.options.jsonTextFields;
  if (!isObject(value)) {
    if (value === null) return undefined;
    const text = show(value);
    return text.trim() ? makeDoc(input, { format: 'json', text, title: label, ...(fragment ? { fragment } : {}) }) : undefined;
  }
  const text = fields?.length
    ? fields
        .map((f) => getPath(value, f))
        .filter((v): v is Json => v !== undefined && v !== null)
        .map(show)
        .filter((s) => s.trim() !== '')
        .join('\n\n')
    : fieldLines(value);
  if (!text.trim()) return undefined;
  const titleKey = titleField(Object.keys(value));
  const t = titleKey === undefined ? undefined : value[titleKey];
  return makeDoc(input, {
    format: 'json',
    text,
    title: typeof t === 'string' && t.trim() ? t : label,
    metadata: toMetadata(value, { maxStringLength: MAX_METADATA_STRING, ...(fields ? { skip: new Set(fields) } : {}) }),
    ...(fragment ? { fragment } : {}),
  });
}

function noText(input: LoaderInput, count: number): IncontextError {
  const fields = input.options.jsonTextFields;
  return fileEmpty(
    input.path,
    count === 0 ? 'the JSON holds no records' : `none of its ${count} record(s) has any text`,
    fields?.length
      ? `None of the jsonTextFields (${fields.join(', ')}) was found with text; check the field names.`
      : 'Records need at least one string field, or set jsonTextFields to the fields that hold the text.',
  );
}

export function loadJson(input: LoaderInput): LoadedDocument[] {
  let value: Json;
  try {
    value = JSON.parse(input.text.replace(/^\uFEFF/, '')) as Json;
  } catch (err) {
    // JSON Lines saved as .json is a common slip; read it as what it is.
    if (looksLikeJsonl(input.text)) return loadJsonl(input);
    throw parseFailed(input.path, 'a JSON file', err, jsonErrorLine(input.text.replace(/^\uFEFF/, '')));
  }
  const name = stem(input.origin);
  if (!Array.isArray(value)) {
    const doc = recordDoc(input, value, '', name);
    if (!doc) throw noText(input, 1);
    return [doc];
  }
  const docs = value
    .map((v, i) => recordDoc(input, v, `#record=${i + 1}`, `${name} record ${i + 1}`))
    .filter((d): d is LoadedDocument => d !== undefined);
  if (docs.length === 0) throw noText(input, value.length);
  return docs;
}

/** One document per line; the first unparseable line fails the whole file, so a half-ingested log never looks complete. */
export function loadJsonl(input: LoaderInput): LoadedDocument[] {
  const lines = input.text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const name = stem(input.origin);
  const docs: LoadedDocument[] = [];
  let records = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: Json;
    try {
      value = JSON.parse(line) as Json;
    } catch (err) {
      throw parseFailed(input.path, `JSON Lines (line ${i + 1})`, err, i + 1);
    }
    records++;
    const doc = recordDoc(input, value, `#line=${i + 1}`, `${name} line ${i + 1}`);
    if (doc) docs.push(doc);
  });
  if (docs.length === 0) throw noText(input, records);
  return docs;
}
