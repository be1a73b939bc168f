/** The typed values that flow between stages. Plain data: no classes, no methods. */

export type MetadataValue = string | number | boolean | null | string[];
export type Metadata = Record<string, MetadataValue>;

/** A source document after loading: one file, one CSV row, one SQL row, one JSON record. */
export interface Document {
  id: string;
  projectId: string;
  /** Where it came from: a file path (relative to the ingest root when possible) or a URI. */
  source: string;
  title?: string;
  /** Detected format: text, markdown, html, pdf, docx, csv, json. */
  format: string;
  text: string;
  metadata: Metadata;
  /** sha256 of the raw bytes of the source; unchanged hash means skip on re-ingest. */
  contentHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface Chunk {
  id: string;
  documentId: string;
  projectId: string;
  /** Position of the chunk inside its document, from 0. */
  index: number;
  text: string;
  tokenCount: number;
  /** Character offsets into the document text (end exclusive). */
  start: number;
  end: number;
  /** Inherited document metadata plus chunk-level metadata such as `headingPath`. */
  metadata: Metadata;
}

export interface HitScores {
  vector?: number;
  keyword?: number;
  fused?: number;
}

export interface Hit {
  chunk: Chunk;
  document: Pick<Document, 'id' | 'source' | 'format'> & { title?: string };
  /** The score the hit was ranked by (fused for hybrid). Higher is better. */
  score: number;
  scores: HitScores;
  rank: number;
}

export interface Citation {
  /** The number used in the answer text, as in `[2]`. */
  index: number;
  documentId: string;
  chunkId: string;
  source: string;
  title?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** True when counted with our tokenizer instead of reported by the provider. */
  estimated?: boolean;
}

export interface Answer {
  answer: string;
  citations: Citation[];
  hits: Hit[];
  usage: Usage;
  model: string;
  /** True when the answer says the documents do not contain it. */
  abstained: boolean;
}

export interface ErrorPart {
  code: string;
  message: string;
  hint?: string;
}

/** Named stream parts, the same shape in the library, SSE and the UI. */
export type AnswerStreamPart =
  | { type: 'hit'; hit: Hit }
  | { type: 'text-delta'; text: string }
  | { type: 'citation'; citation: Citation }
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; error: ErrorPart }
  | { type: 'done'; answer: Answer };

/** Metadata filter: field equality, `in`, and ranges on numbers and ISO dates. */
export type FilterCondition =
  | MetadataValue
  | { eq: MetadataValue }
  | { ne: MetadataValue }
  | { in: Array<string | number | boolean> }
  | { gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string };

export type Filter = Record<string, FilterCondition>;

/** The exact sentence models are told to answer with when the context lacks the answer. */
export const NO_ANSWER = "I don't know: the documents don't contain the answer.";
