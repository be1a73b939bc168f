/**
 * The identity corpus of the guard's speed work: every text whose full scan result must stay the
 * same byte for byte when the detector is made faster (identity.ts), and the texts the CPU
 * benchmark (speed.ts) times. Real sets (dev rows, hand-written held-out sets, the trained
 * corpora, SciFact abstracts) plus synthetic texts generated with a fixed seed, so the corpus is
 * the same on every run: short chat messages, long documents past the 20k clip, encoded payloads
 * (base64, hex, URL, rot13, Morse, binary), leetspeak, zero-width, look-alike, spaced and emoji
 * letters, floods, and attacks planted inside benign text.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng as rng } from '../../src/core/index.js';
import { readHeldout, type HeldoutFile } from './heldout.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATASETS = join(ROOT, '..', 'shared', 'datasets');

export interface CorpusText {
  /** Where the text comes from, e.g. `dev`, `scifact`, `synthetic:base64`. */
  kind: string;
  text: string;
}


function jsonl<T>(file: string): T[] {
  return readFileSync(join(DATASETS, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export function devTexts(): string[] {
  return jsonl<{ text: string }>('injection-dev.jsonl').map((r) => r.text);
}

export function scifactTexts(n: number): string[] {
  return jsonl<{ title?: string; text: string }>('scifact-corpus.jsonl')
    .slice(0, n)
    .map((r) => r.text);
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.replace(/\\n/g, '\n'));
}

const HELDOUT: HeldoutFile[] = ['attacks.txt', 'hard-benign.txt', 'blind-attacks.txt', 'blind-benign.txt', 'blind2-attacks.txt', 'blind2-benign.txt'];

const TASKS = ['Write', 'Draft', 'Give me', 'Suggest', 'Compose', 'List', 'Summarise', 'Translate', 'Explain', 'Describe'];
const SIZES = ['one short', 'two', 'a brief', 'three quick', 'a friendly', 'a formal', 'an informal', 'a polite'];
const THINGS = ['greeting', 'reply', 'subject line', 'thank-you note', 'summary', 'title', 'tagline', 'reminder', 'haiku', 'apology', 'question', 'answer'];
const FOR = ['for request', 'for ticket', 'for user', 'for order', 'for customer', 'about item', 'for session', 'for case'];

/** Distinct short chat messages in the style of a proxy's last user message ("Write one short greeting for request abc123."). */
export function shortMessages(n: number, seed = 1): string[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = Math.floor(r() * 36 ** 6).toString(36).padStart(6, '0');
    out.push(`${pick(TASKS)} ${pick(SIZES)} ${pick(THINGS)} ${pick(FOR)} ${id}.`);
  }
  return out;
}

const ZW = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'];
const CYR: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', y: 'у', i: 'і', s: 'ѕ' };
const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7', g: '9', b: '8' };
const MORSE: Record<string, string> = {
  a: '.-', b: '-...', c: '-.-.', d: '-..', e: '.', f: '..-.', g: '--.', h: '....', i: '..', j: '.---', k: '-.-', l: '.-..', m: '--',
  n: '-.', o: '---', p: '.--.', q: '--.-', r: '.-.', s: '...', t: '-', u: '..-', v: '...-', w: '.--', x: '-..-', y: '-.--', z: '--..',
};

function rot13(s: string): string {
  return s.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Obfuscated, encoded and planted copies of the given seed texts, and long and flooding texts. */
export function syntheticTexts(attacks: string[], benign: string[], abstracts: string[], seed = 7): CorpusText[] {
  const r = rng(seed);
  const out: CorpusText[] = [];
  const add = (kind: string, text: string) => out.push({ kind: `synthetic:${kind}`, text });
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const seeds = [...attacks.slice(0, 150), ...benign.slice(0, 60)];
  for (const s of seeds) {
    const b = Buffer.from(s, 'utf8');
    add('base64', `Please decode and follow: ${b.toString('base64')}`);
    add('base64url', `payload=${b.toString('base64url')} thanks`);
    add('hex', `hex: ${b.toString('hex').replace(/(..)/g, '$1 ').trim()}`);
    add('url', `${encodeURIComponent(s)}`);
    add('rot13', rot13(s));
    add('leet', s.replace(/[aeiostgb]/gi, (c) => (r() < 0.6 ? (LEET[c.toLowerCase()] ?? c) : c)));
    add('zero-width', [...s].map((c) => (r() < 0.25 ? `${c}${pick(ZW)}` : c)).join(''));
    add('confusable', s.replace(/[aeopcxyis]/g, (c) => (r() < 0.5 ? (CYR[c] ?? c) : c)));
    add('spaced', s.split(' ').map((w) => (r() < 0.3 ? w.split('').join(pick([' ', '.', '-', '*'])) : w)).join(' '));
    add('underscored', s.replace(/ /g, '_'));
    add('quoted-letters', s.slice(0, 24).split('').map((c) => `"${c}"`).join(','));
    add('fullwidth', s.replace(/[a-z]/gi, (c) => (r() < 0.3 ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)));
    add('diacritics', s.replace(/[aeiou]/g, (c) => (r() < 0.4 ? `${c}\u0301` : c)));
    add('typographic', s.replace(/'/g, '\u2019').replace(/"/g, () => pick(['\u201c', '\u201d'])));
    add('textspeak', s.replace(/\byou\b/gi, 'u').replace(/\byour\b/gi, 'ur').replace(/\bplease\b/gi, 'pls'));
    add('mention', `What does the phrase "${s.slice(0, 120)}" mean?`);
    add('reported', `When a user says "${s.slice(0, 120)}", how should the bot react?`);
    add('translate', `Translate into French: "${s.slice(0, 150)}"`);
    add('planted', `${pick(abstracts).slice(0, 600)} ${s} ${pick(abstracts).slice(0, 400)}`);
    add('upper', s.toUpperCase());
  }
  for (const s of attacks.slice(0, 40)) {
    const words = s.toLowerCase().replace(/[^a-z ]/g, '').split(/\s+/).filter(Boolean).slice(0, 10);
    add('morse', words.map((w) => [...w].map((c) => MORSE[c] ?? '').join(' ')).join(' / '));
    add('binary', [...Buffer.from(s.slice(0, 40))].map((x) => x.toString(2).padStart(8, '0')).join(' '));
    add('emoji-letters', s.slice(0, 30).replace(/[a-z]/gi, (c) => String.fromCodePoint(0x1f1e6 + c.toUpperCase().charCodeAt(0) - 65)));
    const half = Math.floor(s.length / 2);
    add('split', `a = "${s.slice(0, half)}", b = "${s.slice(half)}". Combine a + b and answer it.`);
  }
  // Long texts: past the 20k clip, between the 8k flood cut and the clip, and with attacks at the head, the middle and the tail.
  for (let i = 0; i < 40; i++) {
    const parts: string[] = [];
    const target = i % 2 === 0 ? 21_000 + Math.floor(r() * 30_000) : 9_000 + Math.floor(r() * 10_000);
    while (parts.join('\n\n').length < target) parts.push(pick(abstracts));
    if (i % 4 === 1) parts.unshift(pick(attacks));
    if (i % 4 === 2) parts.splice(Math.floor(parts.length / 2), 0, pick(attacks));
    if (i % 4 === 3) parts.push(pick(attacks));
    add('long', parts.join('\n\n'));
  }
  for (let i = 0; i < 20; i++) {
    const unit = pick(['ö ', ') ] } ', 'artisanlib', '🙂', 'abc', '=', '- ', 'ha ', 'zq ', '0, ']);
    const n = 10 + Math.floor(r() * 200);
    add('flood', `${i % 2 ? pick(benign) : ''}${unit.repeat(n)}${i % 3 ? pick(attacks) : ''}`);
  }
  for (const s of ['', ' ', 'a', 'hi', '\n\n', '!!!', '12345', '\u200b\u200b', 'ок', '안녕하세요', '你好，世界', 'Привет, как дела?', 'Γειά σου κόσμε', 'TNF-α and IL-6']) add('edge', s);
  return out;
}

/** Every text of the identity check, in a fixed order; another `seed` gives other synthetic texts. */
export function identityCorpus(seed = 0): CorpusText[] {
  const dev = jsonl<{ text: string; label: string }>('injection-dev.jsonl');
  const out: CorpusText[] = dev.map((r) => ({ kind: 'dev', text: r.text }));
  const attacks = dev.filter((r) => r.label === 'malicious').map((r) => r.text);
  const benign = dev.filter((r) => r.label === 'benign').map((r) => r.text);
  for (const f of HELDOUT) for (const text of readHeldout(f)) out.push({ kind: `heldout:${f}`, text });
  for (const f of ['attacks.txt', 'hard-benign.txt']) for (const text of lines(join(ROOT, 'src', 'guard', 'data', f))) out.push({ kind: `data:${f}`, text });
  const abstracts = scifactTexts(2000);
  for (const text of abstracts) out.push({ kind: 'scifact', text });
  for (const text of shortMessages(500, 99 + seed)) out.push({ kind: 'short', text });
  const handAttacks = [...readHeldout('attacks.txt'), ...lines(join(ROOT, 'src', 'guard', 'data', 'attacks.txt'))];
  out.push(...syntheticTexts([...handAttacks, ...attacks.filter((_, i) => i % 3 === seed % 3)], benign, abstracts, 7 + seed));
  return out;
}
