/** Kinds of personal data the detectors know. Names follow the labels of the development set. */
export const PII_LABELS = [
  'email',
  'phone',
  'credit_card',
  'iban',
  'ip_address',
  'ssn',
  'kr_rrn',
  'date_time',
  'address',
  'zip_code',
  'name',
  'domain_name',
  'url',
  'driver_license',
  'organization',
  'title',
  'age',
  'gpe',
  'nrp',
] as const;

export type PiiLabel = (typeof PII_LABELS)[number];

/**
 * What detectPii reports when no labels are given: everything but places (`gpe`) and nationalities,
 * religions and parties (`nrp`), which rarely identify anyone alone and are everyday words in prompts.
 */
export const DEFAULT_PII_LABELS: readonly PiiLabel[] = PII_LABELS.filter((l) => l !== 'gpe' && l !== 'nrp');

/** One piece of personal data found in a text. Offsets are UTF-16 code units, `end` exclusive. */
export interface PiiSpan {
  start: number;
  end: number;
  label: PiiLabel;
  /** The covered text, `text.slice(start, end)`. */
  text: string;
  /** Confidence in [0, 1]: checksum-validated detectors score near 1, context-only rules lower. */
  score: number;
}

export interface DetectPiiOptions {
  /** Only report these labels (default: DEFAULT_PII_LABELS, i.e. all but `gpe` and `nrp`). */
  labels?: PiiLabel[];
  /** BCP 47 locale such as `en-US` or `ko-KR`; its region is the default country for phone numbers. */
  locale?: string;
  /** Drop spans scoring below this (default 0). */
  minScore?: number;
}

export type RedactAction = 'redact' | 'mask' | 'hash' | 'tokenize';

/** Placeholder → original value, for putting tokenized values back into a model's answer. */
export type PiiVault = Map<string, string>;

export interface RedactOptions {
  /** Secret salt for `hash`; required there so that short values (SSNs, phones) cannot be brute-forced from the hash. */
  salt?: string;
  /** Hex characters of the salted sha256 to keep for `hash` (default 8). */
  hashLength?: number;
  /** For `tokenize`: an existing vault to extend, so one conversation maps one value to one placeholder. */
  vault?: PiiVault;
  /** Character used by `mask` (default `*`). */
  maskChar?: string;
}

export interface RedactResult {
  text: string;
  /** Filled by `tokenize` (the same Map as `options.vault` when given); empty for the other actions. */
  vault: PiiVault;
}
