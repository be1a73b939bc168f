/**
 * The output guard. One engine serves both paths: `scan(text)` is a stream fed the whole text
 * at once. Every decision the engine makes (where a piece ends, whether to hold it, what the
 * checks find in it) depends only on the text's content, never on how it arrived, so a stream
 * split anywhere releases exactly the text, verdict and findings of `scan`. The fuzz test in
 * guard.test.ts holds the code to that.
 *
 * Text is released a sentence (or line) at a time; a piece is held longer while it ends in what
 * may be the start of a canary or while it is copying the system prompt, so a leak is blocked
 * before the leaked words are sent, not after.
 */
import { IncontextError } from '../../core/index.js';
import { checkPiece, normalizeChecks, squashWithMap, tailGrams, TAIL, type Checks, type Replacement } from './checks.js';
import { firstCut } from './segment.js';
import type { OutputFinding, OutputGuard, OutputGuardOptions, OutputGuardStream, OutputScan, OutputVerdict } from './types.js';

const DEFAULT_HOLD_BACK = 400;
const MIN_HOLD_BACK = 64;
/** Shortest canary prefix at the end of a piece that makes the guard wait for the next one. */
const CANARY_PREFIX_HOLD = 4;

const SEVERITY: Record<OutputVerdict, number> = { pass: 0, flag: 1, redact: 2, block: 3 };

export function verdictOf(findings: readonly OutputFinding[]): OutputVerdict {
  let v: OutputVerdict = 'pass';
  for (const f of findings) if (SEVERITY[f.action] > SEVERITY[v]) v = f.action;
  return v;
}

export function createOutputGuard(options: OutputGuardOptions = {}): OutputGuard {
  const checks = normalizeChecks(options);
  const holdBack = options.holdBackChars ?? DEFAULT_HOLD_BACK;
  const longestCanary = Math.max(0, ...(checks.canary?.squashed.map((c) => c.length) ?? []));
  if (!Number.isInteger(holdBack) || holdBack < Math.max(MIN_HOLD_BACK, 2 * longestCanary)) {
    throw new IncontextError('CONFIG_INVALID', `holdBackChars must be an integer >= ${Math.max(MIN_HOLD_BACK, 2 * longestCanary)}, got ${holdBack}`, {
      input: { key: 'guard.output.holdBackChars' },
      hint: 'It must be longer than anything to be caught in one piece (emails, IBANs, canaries); the default is 400.',
    });
  }
  const stream = (): OutputGuardStream => new Engine(checks, holdBack);
  return {
    // A piece may grow to 2x while held, and up to holdBack more may wait behind it unread.
    maxHoldBack: 3 * holdBack,
    stream,
    scan(text: string): OutputScan {
      const s = stream();
      s.push(text);
      s.end();
      return s.result();
    },
  };
}

class Engine implements OutputGuardStream {
  /** Received text not yet cut into a piece. */
  private buf = '';
  /** Closed pieces held back together (see hold()). */
  private unit = '';
  /** Offset of `unit` in the original text. */
  private unitStart = 0;
  /** The end of the original text already released (checked), for checks that read across pieces. */
  private released = '';
  private squashedTail = '';
  private out = '';
  private findings: OutputFinding[] = [];
  private leakSeen = false;
  private readonly leakGrams = new Set<string>();
  private ended = false;
  blocked = false;

  constructor(
    private readonly checks: Checks,
    private readonly holdBack: number,
  ) {}

  get pending(): number {
    return this.buf.length + this.unit.length;
  }

  push(delta: string): string {
    if (this.ended) {
      throw new IncontextError('BAD_REQUEST', 'push() after end() on an output guard stream', { hint: 'Start a new stream() for each response.' });
    }
    if (this.blocked) return '';
    this.buf += delta;
    return this.drain(false);
  }

  end(): string {
    if (this.ended) return '';
    const rest = this.blocked ? '' : this.drain(true);
    this.ended = true;
    return rest;
  }

  result(): OutputScan {
    return { text: this.out, verdict: verdictOf(this.findings), findings: [...this.findings] };
  }

  private drain(eof: boolean): string {
    let sent = '';
    for (;;) {
      if (this.blocked) return sent;
      const cut = firstCut(this.buf, this.holdBack, eof);
      if (cut === undefined) break;
      this.unit += this.buf.slice(0, cut);
      this.buf = this.buf.slice(cut);
      if (!this.hold()) sent += this.release();
      if (this.buf.length === 0) break;
    }
    if (eof && this.unit.length > 0 && !this.blocked) sent += this.release();
    return sent;
  }

  /** Keep the piece back while the next one may complete a canary or extend a copy of the system prompt. */
  private hold(): boolean {
    if (this.unit.length >= 2 * this.holdBack) return false;
    if (this.checks.canary && this.checks.canary.action !== 'flag') {
      const tail = squashWithMap(this.unit.slice(-this.holdBack)).squashed;
      for (const c of this.checks.canary.squashed) {
        for (let k = Math.min(c.length - 1, tail.length); k >= Math.min(CANARY_PREFIX_HOLD, c.length - 1) && k > 0; k--) {
          if (tail.endsWith(c.slice(0, k))) return true;
        }
      }
    }
    if (this.checks.leak && this.checks.leak.action !== 'flag') {
      const { n, grams } = this.checks.leak;
      const g = tailGrams(this.released, this.unit, n);
      const last = g[g.length - 1];
      if (last !== undefined && grams.has(last)) return true;
    }
    return false;
  }

  private release(): string {
    const piece = this.unit;
    const start = this.unitStart;
    this.unit = '';
    this.unitStart += piece.length;
    const r = checkPiece(piece, this.checks, {
      squashedTail: this.squashedTail,
      released: this.released,
      leakSeen: this.leakSeen,
      leakGrams: this.leakGrams,
    });
    if (r.findings.some((f) => f.check === 'leak')) this.leakSeen = true;
    const shifted = r.findings.map((f) => ({ ...f, start: f.start + start, end: f.end + start }));
    shifted.sort((a, b) => a.start - b.start || a.end - b.end || a.check.localeCompare(b.check));
    this.findings.push(...shifted);
    this.released = (this.released + piece).slice(-2 * TAIL);
    this.squashedTail = (this.squashedTail + squashWithMap(piece).squashed).slice(-this.holdBack);
    if (r.findings.some((f) => f.action === 'block')) {
      this.blocked = true;
      return '';
    }
    const text = r.replaceWhole ? wholeReplacement(piece) : applyReplacements(piece, r.replacements);
    this.out += text;
    return text;
  }
}

/** A piece replaced as a whole keeps its trailing whitespace, so the lines around it stay apart. */
function wholeReplacement(piece: string): string {
  const trailing = /\s*$/.exec(piece)?.[0] ?? '';
  return `[REDACTED]${trailing}`;
}

/** Apply non-overlapping replacements; on overlap the earlier (then longer) span wins. */
export function applyReplacements(text: string, replacements: readonly Replacement[]): string {
  const sorted = [...replacements].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const r of sorted) {
    if (r.start < pos) continue;
    out += text.slice(pos, r.start) + r.with;
    pos = r.end;
  }
  return out + text.slice(pos);
}
