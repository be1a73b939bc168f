import type Database from 'better-sqlite3';
import { Bm25TopK } from './bm25-topk.js';

/**
 * An in-memory copy of the FTS5 index (chunks_fts) that ranks exactly like
 *   SELECT ... ORDER BY bm25(chunks_fts), c.seq LIMIT k
 * over an OR of single-token phrases, without SQLite scoring every posting
 * through its auxiliary-function API (14–70 ms per query at 100k chunks).
 *
 * Exactness rests on three things:
 *  - tokens come from FTS5 itself: the postings are read from an fts5vocab
 *    table over chunks_fts, and new text is tokenised by a TEMP FTS5 table with
 *    the same tokenizer, so no stemmer is re-implemented here;
 *  - the statistics are FTS5's: N = rows in the index (every project), avgdl =
 *    total tokens / N, nHit = rows holding the token, D = tokens in the row;
 *  - the score is summed phrase by phrase in query order with the same
 *    floating-point expression as fts5_aux.c, and log() is SQLite's own (ln),
 *    so the doubles are bit-identical and ties fall to the lower seq as before.
 *
 * Kept current the way VectorCache is: patched after our own committed writes,
 * dropped when another connection commits (PRAGMA data_version), rebuilt from
 * SQLite when next needed — never persisted, so a crash cannot leave it stale.
 */

/** One token's postings: rows (chunk seqs) and the token's count in each; the first `n` entries are live. */
interface Postings {
  seqs: Int32Array;
  tfs: Int32Array;
  n: number;
}

export interface KeywordIndexStatus {
  ready: boolean;
  builds: number;
  rows: number;
  /** Distinct tokens. */
  tokens: number;
  postings: number;
}

/** What one committed write changed, for the keyword side. */
export interface KeywordDelta {
  removed: number[];
  added: Array<{ seq: number; projectId: string; text: string }>;
}

/** A metadata filter: a stable key for it and the seqs it lets through (computed in SQL, cached per key). */
export interface KeywordFilter {
  key: string;
  seqs: () => number[];
}

interface Build {
  terms: string[];
  next: number;
  postings: Map<string, Postings>;
}

const NO_PROJECT = -1;
/** Seqs beyond this multiple of the row count would make the per-seq arrays mostly empty: SQL answers instead. */
const SPARSE_SEQS = 8;
const TOKEN_CACHE_MAX = 50_000;
const MAX_FILTERS = 32;
const TOKENIZE = /tokenize\s*=\s*'((?:[^']|'')*)'/i;

export class KeywordIndex {
  private postings: Map<string, Postings> | undefined;
  private build: Build | undefined;
  private dataVersion = -1;
  private builds = 0;
  private projects = new Map<string, number>();
  private projectOf = new Int32Array(0);
  private docLen = new Int32Array(0);
  private rows = 0;
  private tokens = 0;
  private readonly tokenOf = new Map<string, string | null>();
  private tokenizer: { insert: Database.Statement; read: Database.Statement; clear: Database.Statement } | undefined;
  private ln: ((x: number) => number) | undefined;
  /** Set when the seqs are too sparse for per-seq arrays; SQL answers until the data changes. */
  private sparse = false;
  private readonly topk = new Bm25TopK();
  /** Rows each recent filter lets through, valid until the next write. */
  private readonly filters = new Map<string, Set<number>>();

  constructor(
    private readonly db: Database.Database,
    /** Milliseconds one search may spend building the index; SQL answers until it is complete. */
    private readonly buildBudgetMs = Infinity,
  ) {}

  /**
   * The top k rows of `projectId` for an OR of `terms` (each meant as one token), best
   * first with FTS5's scores; undefined when SQL must answer (index still building, or a
   * term that is not exactly one token, which FTS5 would match as a phrase).
   */
  search(projectId: string, terms: string[], k: number, filter?: KeywordFilter): { seqs: number[]; scores: number[] } | undefined {
    this.checkVersion();
    if (this.sparse || (!this.postings && !this.extend(this.buildBudgetMs))) return undefined;
    const postings = this.postings!;
    const tokens = this.tokensOf(terms);
    if (!tokens) return undefined;
    const project = this.projects.get(projectId);
    if (project === undefined || this.rows === 0) return { seqs: [], scores: [] };
    const allowed = filter && this.filterSet(`${projectId}\u0000${filter.key}`, filter.seqs);
    const lists = tokens.map((t) => postings.get(t));
    const idf = this.idfs(lists.map((l) => l?.n ?? 0));
    const avgdl = this.tokens / this.rows;
    return this.topk.run(lists, idf, k, avgdl, this.docLen, (seq) => this.projectOf[seq] === project && (allowed === undefined || allowed(seq)));
  }

  /** After our own committed write: removals first (a write may reuse the seqs it freed). */
  apply(delta: KeywordDelta): void {
    if (delta.removed.length === 0 && delta.added.length === 0) return;
    if (this.build) {
      // A half-read vocabulary would mix two states of the index: start over.
      this.build = undefined;
      return;
    }
    this.filters.clear();
    if (!this.postings) return;
    try {
      this.remove(delta.removed);
      this.add(delta.added);
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  invalidate(): void {
    this.filters.clear();
    this.postings = undefined;
    this.build = undefined;
    this.sparse = false;
  }

  /** Whether searches are answered from memory, how often it was read in full from SQLite, and what it holds. */
  get status(): KeywordIndexStatus {
    let n = 0;
    for (const p of this.postings?.values() ?? []) n += p.n;
    return { ready: this.postings !== undefined, builds: this.builds, rows: this.postings ? this.rows : 0, tokens: this.postings?.size ?? 0, postings: n };
  }

  private filterSet(key: string, compute: () => number[]): (seq: number) => boolean {
    let set = this.filters.get(key);
    if (!set) {
      set = new Set(compute());
      if (this.filters.size >= MAX_FILTERS) this.filters.delete(this.filters.keys().next().value!);
      this.filters.set(key, set);
    }
    const found = set;
    return (seq) => found.has(seq);
  }

  private checkVersion(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.dataVersion) {
      this.invalidate();
      this.dataVersion = version;
    }
  }

  /** Reads the vocabulary for at most `budgetMs`; true once the index is complete. */
  private extend(budgetMs: number): boolean {
    const started = performance.now();
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.incontext_fts_vocab USING fts5vocab(main, chunks_fts, 'row')");
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.incontext_fts_instance USING fts5vocab(main, chunks_fts, 'instance')");
    const read = this.db.transaction(() => {
      if (!this.build) {
        const terms = this.db.prepare('SELECT term FROM temp.incontext_fts_vocab').pluck().all() as string[];
        this.build = { terms, next: 0, postings: new Map() };
      }
      const b = this.build;
      const docs = this.db.prepare('SELECT doc FROM temp.incontext_fts_instance WHERE term = ?').pluck();
      while (b.next < b.terms.length) {
        const term = b.terms[b.next++]!;
        b.postings.set(term, toPostings(docs.all(term) as number[]));
        if ((b.next & 63) === 0 && performance.now() - started > budgetMs) return false;
      }
      return this.loadRows();
    });
    if (!read()) {
      if (this.sparse) this.build = undefined;
      return false;
    }
    this.postings = this.build!.postings;
    this.build = undefined;
    this.builds++;
    let total = 0;
    for (const p of this.postings.values()) for (let i = 0; i < p.n; i++) this.docLen[p.seqs[i]!]! += p.tfs[i]!;
    for (let s = 0; s < this.docLen.length; s++) total += this.docLen[s]!;
    this.tokens = total;
    return true;
  }

  /** Which project each row belongs to; the row count N. False if the seqs are too sparse to index by. */
  private loadRows(): boolean {
    const rows = this.db.prepare('SELECT seq, project_id FROM chunks').raw().all() as Array<[number, string]>;
    let max = 0;
    for (const [seq] of rows) if (seq > max) max = seq;
    if (max > SPARSE_SEQS * rows.length + 1_000_000) {
      this.sparse = true;
      return false;
    }
    this.projects = new Map();
    this.projectOf = new Int32Array(max + 1).fill(NO_PROJECT);
    this.docLen = new Int32Array(max + 1);
    for (const [seq, project] of rows) this.projectOf[seq] = this.projectCode(project);
    this.rows = rows.length;
    return true;
  }

  private projectCode(projectId: string): number {
    let code = this.projects.get(projectId);
    if (code === undefined) {
      code = this.projects.size;
      this.projects.set(projectId, code);
    }
    return code;
  }

  private remove(seqs: number[]): void {
    let gone = 0;
    for (const seq of seqs) {
      if (seq >= this.projectOf.length || this.projectOf[seq] === NO_PROJECT) continue;
      this.projectOf[seq] = NO_PROJECT;
      this.tokens -= this.docLen[seq]!;
      this.docLen[seq] = 0;
      this.rows--;
      gone++;
    }
    if (gone === 0) return;
    // Every list is filtered once per write, not per removed row: a write removes up to thousands of rows.
    for (const [token, p] of this.postings!) {
      let to = 0;
      for (let i = 0; i < p.n; i++) {
        const seq = p.seqs[i]!;
        if (this.projectOf[seq] === NO_PROJECT) continue;
        p.seqs[to] = seq;
        p.tfs[to++] = p.tfs[i]!;
      }
      p.n = to;
      if (to === 0) this.postings!.delete(token);
    }
  }

  private add(rows: KeywordDelta['added']): void {
    if (rows.length === 0) return;
    const max = rows.reduce((m, r) => Math.max(m, r.seq), 0);
    if (max >= this.projectOf.length) this.grow(max + 1);
    const counts = this.tokenize(rows.map((r) => [r.seq, r.text]));
    for (const r of rows) {
      this.projectOf[r.seq] = this.projectCode(r.projectId);
      this.docLen[r.seq] = 0;
      this.rows++;
    }
    for (const [token, bySeq] of counts) {
      let p = this.postings!.get(token);
      if (!p) {
        p = { seqs: new Int32Array(4), tfs: new Int32Array(4), n: 0 };
        this.postings!.set(token, p);
      }
      for (const [seq, tf] of bySeq) {
        if (p.n === p.seqs.length) {
          const seqs = new Int32Array(p.n * 2);
          seqs.set(p.seqs);
          const tfs = new Int32Array(p.n * 2);
          tfs.set(p.tfs);
          p.seqs = seqs;
          p.tfs = tfs;
        }
        p.seqs[p.n] = seq;
        p.tfs[p.n++] = tf;
        this.docLen[seq]! += tf;
        this.tokens += tf;
      }
    }
  }

  private grow(size: number): void {
    const cap = Math.max(size, Math.ceil(this.projectOf.length * 1.5));
    const projectOf = new Int32Array(cap).fill(NO_PROJECT);
    projectOf.set(this.projectOf);
    const docLen = new Int32Array(cap);
    docLen.set(this.docLen);
    this.projectOf = projectOf;
    this.docLen = docLen;
  }

  /** FTS5's own tokenisation of each text: token → (row → count). */
  private tokenize(texts: Array<[number, string]>): Map<string, Map<number, number>> {
    const t = this.tokenStatements();
    const out = new Map<string, Map<number, number>>();
    this.db.transaction(() => {
      t.clear.run();
      for (const [id, text] of texts) t.insert.run(id, text);
      for (const [token, id] of t.read.raw().iterate() as IterableIterator<[string, number]>) {
        let m = out.get(token);
        if (!m) out.set(token, (m = new Map()));
        m.set(id, (m.get(id) ?? 0) + 1);
      }
      t.clear.run();
    })();
    return out;
  }

  private tokenStatements(): NonNullable<KeywordIndex['tokenizer']> {
    if (!this.tokenizer) {
      const sql = this.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'").pluck().get() as string;
      const spec = TOKENIZE.exec(sql)?.[1] ?? 'unicode61';
      this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.incontext_tokenize USING fts5(t, tokenize='${spec}')`);
      this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.incontext_tokenize_v USING fts5vocab(temp, incontext_tokenize, 'instance')");
      this.tokenizer = {
        insert: this.db.prepare('INSERT INTO temp.incontext_tokenize (rowid, t) VALUES (?, ?)'),
        read: this.db.prepare('SELECT term, doc FROM temp.incontext_tokenize_v'),
        clear: this.db.prepare('DELETE FROM temp.incontext_tokenize'),
      };
    }
    return this.tokenizer;
  }

  /** The single token FTS5 makes of each query term, or undefined if some term is not exactly one token. */
  private tokensOf(terms: string[]): string[] | undefined {
    const unknown = [...new Set(terms.filter((t) => !this.tokenOf.has(t)))];
    if (unknown.length > 0) {
      if (this.tokenOf.size + unknown.length > TOKEN_CACHE_MAX) this.tokenOf.clear();
      const counts = this.tokenize(unknown.map((t, i) => [i + 1, t]));
      const found: Array<string[]> = unknown.map(() => []);
      for (const [token, ids] of counts) for (const [id, n] of ids) for (let j = 0; j < n; j++) found[id - 1]!.push(token);
      unknown.forEach((t, i) => this.tokenOf.set(t, found[i]!.length === 1 ? found[i]![0]! : null));
    }
    const out: string[] = [];
    for (const t of terms) {
      const token = this.tokenOf.get(t);
      if (token === null || token === undefined) return undefined;
      out.push(token);
    }
    return out;
  }

  /** FTS5's idf per phrase, with SQLite's log() so the bits match bm25(). */
  private idfs(hits: number[]): Float64Array {
    const out = new Float64Array(hits.length);
    this.ln ??= this.logFunction();
    hits.forEach((nHit, i) => {
      if (nHit === 0) return;
      const idf = this.ln!((this.rows - nHit + 0.5) / (nHit + 0.5));
      out[i] = idf <= 0.0 ? 1e-6 : idf;
    });
    return out;
  }

  /** SQLite's ln() is the C library's log(), the one bm25() calls; builds without math functions fall back to Math.log (may differ in the last bit). */
  private logFunction(): (x: number) => number {
    try {
      const ln = this.db.prepare('SELECT ln(?)').pluck();
      return (x) => ln.get(x) as number;
    } catch {
      return Math.log;
    }
  }
}

/** Instances of one token (row per occurrence, in row order) → postings with counts. */
function toPostings(docs: number[]): Postings {
  const seqs = new Int32Array(docs.length);
  const tfs = new Int32Array(docs.length);
  let n = -1;
  let last = -1;
  for (const d of docs) {
    if (d !== last) {
      n++;
      seqs[n] = d;
      last = d;
    }
    tfs[n]!++;
  }
  n++;
  // Keep a little headroom for appends; trimmed copies would double the build's garbage.
  return { seqs: seqs.subarray(0, Math.max(n, 1)).slice(), tfs: tfs.subarray(0, Math.max(n, 1)).slice(), n };
}
