/** Types of the output guard: checks on what a model says, the same on whole and streamed answers. */
import type { InjectionDetector } from '../types.js';
import type { PiiLabel } from '../pii/index.js';

/** What to do when a check fires. `off` skips the check entirely. */
export type GuardAction = 'off' | 'flag' | 'redact' | 'block';

/** The strongest action any finding of a response asked for (`pass`: none fired). */
export type OutputVerdict = 'pass' | 'flag' | 'redact' | 'block';

export type OutputCheck = 'pii' | 'canary' | 'leak' | 'injection' | 'blocklist';

/** One thing a check found. Offsets point into the original (unredacted) text; the value itself is never kept, so findings are safe to put on a trace. */
export interface OutputFinding {
  check: OutputCheck;
  action: Exclude<GuardAction, 'off'>;
  /** PII label, canary index (`canary:0`), block-list entry index (`term:2`), `system-prompt` or `injection`. */
  label: string;
  /** UTF-16 offsets in the original text, `end` exclusive. */
  start: number;
  end: number;
  score: number;
}

export interface OutputScan {
  /** The text as it may be shown: redactions applied; when blocked, only the part before the blocked segment. */
  text: string;
  verdict: OutputVerdict;
  findings: OutputFinding[];
}

export interface PiiCheckOptions {
  action: GuardAction;
  labels?: PiiLabel[];
  locale?: string;
  minScore?: number;
  /** How a redacted value is written: `[EMAIL]` (default), a format-keeping mask, or a salted hash. */
  style?: 'redact' | 'mask' | 'hash';
  /** Required for `style: 'hash'`. */
  salt?: string;
}

export interface CanaryCheckOptions {
  tokens: string[];
  /** Default `block`: a canary in an answer means the system prompt is being read out. */
  action?: GuardAction;
}

export interface LeakCheckOptions {
  /** The system prompt whose verbatim or near-verbatim reproduction counts as a leak. */
  text: string;
  /** Default `block`. */
  action?: GuardAction;
  /** See detectSystemPromptLeak: n-gram length (5), share of n-grams (0.3), run of words (12). */
  n?: number;
  minOverlap?: number;
  minRun?: number;
}

export interface InjectionCheckOptions {
  detector: InjectionDetector;
  /** Default `flag`; `redact` replaces the whole flagged segment. */
  action?: GuardAction;
}

export interface BlockListOptions {
  /** Plain strings match case-insensitively on word boundaries; RegExps as given (the `g` flag is added). */
  terms: (string | RegExp)[];
  /** Default `block`. */
  action?: GuardAction;
}

export interface OutputGuardOptions {
  pii?: GuardAction | PiiCheckOptions;
  canaries?: string[] | CanaryCheckOptions;
  systemPrompt?: string | LeakCheckOptions;
  injection?: InjectionDetector | InjectionCheckOptions;
  blockList?: (string | RegExp)[] | BlockListOptions;
  /**
   * Longest stretch of streamed text held back before it is checked and sent (default 400). Text is
   * checked and released a sentence (or line) at a time; a sentence longer than this is cut at a
   * word boundary. Must exceed the longest thing to catch in one piece (an email, an IBAN, a canary).
   */
  holdBackChars?: number;
}

/** Incremental form of `scan`: feed deltas, send what comes back. */
export interface OutputGuardStream {
  /** Add streamed text; returns the text that is now final and safe to send (possibly ''). */
  push(delta: string): string;
  /** No more text: returns the rest that may be sent. */
  end(): string;
  /** True once a blocking finding was hit; later pushes return ''. */
  readonly blocked: boolean;
  /** Characters received but not yet released. */
  readonly pending: number;
  /** The result so far; after `end()` it equals `scan()` of everything pushed. */
  result(): OutputScan;
}

export interface OutputGuard {
  scan(text: string): OutputScan;
  stream(): OutputGuardStream;
  /** Largest number of characters a stream may hold back at once. */
  readonly maxHoldBack: number;
}
