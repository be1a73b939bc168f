/** Replace detected spans: fixed labels, format-keeping masks, salted hashes or reversible placeholders. */
import { createHash } from 'node:crypto';
import { IncontextError } from '../../core/index.js';
import type { PiiLabel, PiiSpan, PiiVault, RedactAction, RedactOptions, RedactResult } from './types.js';

/** Trailing characters a mask leaves visible, as receipts and bank statements do. */
const KEEP_LAST: Partial<Record<PiiLabel, number>> = { credit_card: 4, iban: 4, ssn: 4, phone: 2 };
const NUMERIC: ReadonlySet<PiiLabel> = new Set<PiiLabel>(['credit_card', 'iban', 'ssn', 'phone', 'kr_rrn', 'ip_address', 'driver_license', 'zip_code', 'date_time', 'age']);

function tag(label: PiiLabel): string {
  return label.toUpperCase();
}

function maskEmail(v: string, ch: string): string {
  const at = v.lastIndexOf('@');
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  const part = (s: string) => (s.length === 0 ? s : s[0] + ch.repeat(Math.max(s.length - 1, 1)));
  return `${part(local)}@${part(host)}${tld}`;
}

/** Letters and digits become the mask character; separators stay so the shape survives. */
export function maskValue(value: string, label: PiiLabel, ch = '*'): string {
  if (label === 'email' && value.includes('@')) return maskEmail(value, ch);
  const chars = [...value];
  if (NUMERIC.has(label)) {
    let keep = KEEP_LAST[label] ?? 0;
    for (let i = chars.length - 1; i >= 0; i--) {
      const c = chars[i] ?? '';
      if (!/[\p{L}\p{N}]/u.test(c)) continue;
      if (keep > 0) keep--;
      else chars[i] = ch;
    }
    return chars.join('');
  }
  // Words keep their first letter ("J*** S****"): enough to read the text, not to identify anyone.
  let wordStart = true;
  return chars
    .map((c) => {
      if (!/[\p{L}\p{N}]/u.test(c)) {
        wordStart = true;
        return c;
      }
      const out = wordStart && label !== 'url' && label !== 'domain_name' ? c : ch;
      wordStart = false;
      return out;
    })
    .join('');
}

function checkSpans(text: string, spans: readonly PiiSpan[]): PiiSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let prev = 0;
  for (const s of sorted) {
    if (!(Number.isInteger(s.start) && Number.isInteger(s.end)) || s.start < prev || s.end <= s.start || s.end > text.length) {
      throw new IncontextError('BAD_REQUEST', `PII span ${s.start}-${s.end} (${s.label}) is out of range or overlaps another`, {
        input: { key: 'spans' },
        hint: 'Pass the spans detectPii returned for this same text, unmodified.',
      });
    }
    prev = s.end;
  }
  return sorted;
}

/**
 * Apply `action` to every span. `tokenize` returns the vault needed by `restorePii`; pass the same
 * vault back in `options.vault` across the turns of one conversation so a value keeps its placeholder.
 */
export function redactPii(text: string, spans: readonly PiiSpan[], action: RedactAction, options: RedactOptions = {}): RedactResult {
  const sorted = checkSpans(text, spans);
  const vault: PiiVault = options.vault ?? new Map();
  if (action === 'hash' && !options.salt) {
    throw new IncontextError('BAD_REQUEST', 'PII hashing needs a salt', {
      input: { key: 'salt' },
      hint: 'Pass options.salt, a secret kept outside the data (for example from an environment variable); unsalted hashes of phone numbers or SSNs can be reversed by trying every value.',
    });
  }
  const reverse = new Map<string, string>();
  const counters = new Map<string, number>();
  for (const [token, value] of vault) {
    const m = /^\[\[([A-Z_]+)_(\d+)\]\]$/.exec(token);
    if (!m?.[1]) continue;
    reverse.set(`${m[1]}\u0000${value}`, token);
    counters.set(m[1], Math.max(counters.get(m[1]) ?? 0, Number(m[2])));
  }
  let out = '';
  let pos = 0;
  for (const s of sorted) {
    const value = text.slice(s.start, s.end);
    out += text.slice(pos, s.start);
    pos = s.end;
    switch (action) {
      case 'redact':
        out += `[${tag(s.label)}]`;
        break;
      case 'mask':
        out += maskValue(value, s.label, options.maskChar ?? '*');
        break;
      case 'hash': {
        const h = createHash('sha256').update(`${options.salt}\u0000${s.label}\u0000${value}`).digest('hex');
        out += `[${tag(s.label)}:${h.slice(0, options.hashLength ?? 8)}]`;
        break;
      }
      case 'tokenize': {
        const key = `${tag(s.label)}\u0000${value}`;
        let token = reverse.get(key);
        if (!token) {
          const n = (counters.get(tag(s.label)) ?? 0) + 1;
          counters.set(tag(s.label), n);
          token = `[[${tag(s.label)}_${n}]]`;
          reverse.set(key, token);
          vault.set(token, value);
        }
        out += token;
        break;
      }
      default:
        throw new IncontextError('BAD_REQUEST', `Unknown redaction action "${String(action)}"`, {
          input: { key: 'action' },
          hint: 'Use one of: redact, mask, hash, tokenize.',
        });
    }
  }
  return { text: out + text.slice(pos), vault };
}

/**
 * Put tokenized values back, e.g. into a model's answer. Models sometimes drop one bracket or
 * change the case of a placeholder, so `[EMAIL_1]` and `[[email_1]]` are restored as well.
 */
export function restorePii(text: string, vault: PiiVault): string {
  if (vault.size === 0) return text;
  const byKey = new Map<string, string>();
  for (const [token, value] of vault) byKey.set(token.replace(/^\[\[|\]\]$/g, '').toUpperCase(), value);
  return text.replace(/\[\[?([A-Za-z_]+_\d+)\]?\]/g, (whole, key: string) => byKey.get(key.toUpperCase()) ?? whole);
}
