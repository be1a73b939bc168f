/** Types of the injection and jailbreak guard. */

export interface NormalizedScan {
  /** NFKC, invisible characters removed, diacritics and look-alike letters folded, spaced letters joined. */
  text: string;
  /** Leetspeak-folded copy of `text`, present only when it differs. */
  leet?: string;
  /** Readable payloads decoded from base64, hex, URL encoding or rot13; scanned as texts of their own. */
  decoded: string[];
  /** Other readings that are not obfuscation by themselves: underscores as spaces, letters quoted one by one joined, Cyrillic transliterated, quoted parts of a split payload joined. */
  variants?: string[];
  /** How many invisible (zero-width, bidi control) characters were removed. */
  invisibleRemoved: number;
  /** How many look-alike letters were folded to Latin. */
  confusablesFolded: number;
}

export interface GuardSignal {
  /** Stable signal name, e.g. `heuristic:override`, `similarity`, `classifier`. */
  name: string;
  /** Strength of the signal in [0, 1]. */
  score: number;
  /** What matched, for logs and traces (truncated). */
  detail?: string;
}

export interface ScanResult {
  flagged: boolean;
  /** Calibrated probability-like score in [0, 1]. */
  score: number;
  signals: GuardSignal[];
}

export type GuardPolicy = 'strict' | 'balanced' | 'permissive';

export interface InjectionDetectorOptions {
  /** Score at or above which a text is flagged; overrides the policy's threshold. */
  threshold?: number;
  /** Named threshold: strict 0.35, balanced 0.5 (default), permissive 0.75. */
  policy?: GuardPolicy;
  /** Turn off the trained classifier (heuristics and similarity only). */
  classifier?: boolean;
  /** Turn off similarity to the built-in corpus of known attacks. */
  similarity?: boolean;
  /** Extra known-attack phrasings for the similarity signal. */
  extraAttacks?: string[];
  /** Texts longer than this are scanned on their first and last `maxChars / 2` characters; default 20,000. Bounds the time of one scan. */
  maxChars?: number;
}

export interface InjectionDetector {
  readonly threshold: number;
  scan(text: string): ScanResult;
}

export interface SpotlightOptions {
  /** Replace whitespace with this marker so the model sees at every word that the text is data; default `^`. Set to '' to turn off. */
  datamark?: string;
  /** Delimiter token; random by default. Fixed only in tests. */
  token?: string;
  /** Short label for what the data is, e.g. "retrieved document". */
  label?: string;
}

export interface Spotlighted {
  /** The wrapped text to put in the prompt. */
  text: string;
  /** The random delimiter token. */
  token: string;
  /** A sentence for the system prompt that tells the model how the data is marked. */
  instruction: string;
}

export interface LeakResult {
  leaked: boolean;
  /** Share of the system prompt's word n-grams found in the output, in [0, 1]. */
  overlap: number;
  /** Longest run of consecutive system-prompt words found in the output. */
  longestRun: number;
}
