import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { dimensionMismatch } from '../validate.js';
import { HnswIndex, type AnnQuantization, type HnswParams } from './hnsw.js';
import { annBase, fileMatches, readManifest, saveGeneration } from './manifest.js';
import { resolveAnnOptions, type AnnMode, type AnnOptions } from './options.js';
import { exactTop, VectorRows } from './rows.js';
import { annTablesExist, ensureAnnTables, loggedSeqs, markSaved, maxLogId, register, registration } from './schema.js';

export interface AnnSearchResult {
  seqs: number[];
  scores: number[];
  /** How the answer was found, for traces and tests. */
  via: 'hnsw' | 'hnsw+rescore' | 'filtered-exact';
}

export interface AnnIndexStatus {
  projectId: string;
  model: string;
  vectors: number;
  /** Still reading vectors into the index (searches are exact meanwhile in 'auto' mode). */
  building: boolean;
  quantization: AnnQuantization;
  /** Changes applied in memory but not yet in the file. */
  unsaved: number;
  file: string;
}

/** What the SQLite store exposes about its ANN indexes. */
export interface AnnIndexes {
  readonly mode: AnnMode;
  readonly threshold: number;
  /** Build (or finish building) the index of (project, model) now, whatever its size; then save it. */
  build(projectId: string, model: string): AnnIndexStatus | undefined;
  /** Write every index with unsaved changes to its file. */
  flush(): void;
  status(): AnnIndexStatus[];
}

/**
 * The full-precision vectors of some seqs (those that still have one), for re-scoring
 * candidates; undefined sends the read to SQLite. The SQLite store passes its in-memory
 * vector cache when that holds the set: 200 rows from memory instead of 200 random reads.
 */
export type VectorSource = (seqs: number[]) => { seqs: number[]; data: Float32Array } | undefined;
type FullVectors = (seqs: number[]) => { seqs: number[]; data: Float32Array };

interface AnnSet {
  projectId: string;
  model: string;
  base: string;
  index: HnswIndex;
  instance: string;
  /** The index reflects every ann_log entry up to this id. */
  applied: number;
  /** Resumable initial build: vectors after `cursor` (a seq) are not read yet; the log is replayed from `fromLog` when done. */
  building: { cursor: number; fromLog: number } | undefined;
  unsaved: number;
}

const BUILD_PAGE = 2048;
/** A filter that leaves at most this many chunks is answered exactly from those chunks' vectors. */
const FILTER_EXACT_MAX = 2000;
/** Beyond this many candidates an over-fetching ANN search costs more than the exact scan. */
const OVERFETCH_MAX = 8192;

export class AnnManager implements AnnIndexes {
  private readonly o: ReturnType<typeof resolveAnnOptions>;
  private readonly dir: string;
  private readonly rows: VectorRows;
  private readonly sets = new Map<string, AnnSet>();
  private readonly counts = new Map<string, number>();
  private dataVersion = -1;

  constructor(
    private readonly db: Database.Database,
    private readonly dbPath: string,
    private readonly readonly: boolean,
    options: AnnOptions | undefined,
  ) {
    this.o = resolveAnnOptions(options);
    this.dir = this.o.dir ?? join(dirname(dbPath), 'ann');
    this.rows = new VectorRows(db);
  }

  get mode(): AnnMode {
    return this.o.mode;
  }

  get threshold(): number {
    return this.o.threshold;
  }

  /**
   * Called by the store after each of its own committed writes. The index is kept current
   * here, at write time (as pgvector or Chroma do), so searches never wait for a build; the
   * write that first takes a collection past the threshold pays for building it. Writes of
   * other processes reach the index through ann_log on the next search.
   */
  changed(projectId: string): void {
    for (const key of [...this.counts.keys()]) if (key.startsWith(`${projectId}\u0000`)) this.counts.delete(key);
    if (this.o.mode === 'exact' || this.readonly) return;
    for (const set of [...this.sets.values()]) {
      if (set.projectId !== projectId) continue;
      if (set.building) this.extend(set, Infinity);
      else {
        const live = this.sync(set);
        if (live) this.maybeSave(live);
      }
    }
    if (this.o.mode !== 'auto') return;
    for (const { model, n } of this.rows.models(projectId)) {
      if (n < this.o.threshold || this.sets.has(`${projectId}\u0000${model}`)) continue;
      const set = this.setFor(projectId, model, true);
      if (set?.building) this.extend(set, Infinity);
      else if (set) this.sync(set);
    }
  }

  /**
   * Nearest chunks of a unit query, or undefined when the caller should scan exactly
   * (mode 'exact', a collection below the threshold, an index still being built, or a
   * filter so selective that over-fetching cannot fill k).
   */
  search(projectId: string, model: string, query: Float32Array, k: number, allowedSeqs?: () => number[], vectorsOf?: VectorSource): AnnSearchResult | undefined {
    if (this.o.mode === 'exact' || k === 0) return undefined;
    const found = this.setFor(projectId, model);
    if (!found) return undefined;
    if (found.building) {
      this.extend(found, this.o.mode === 'ann' ? Infinity : this.o.buildBudgetMs);
      if (found.building) return undefined;
    }
    const set = this.sync(found);
    if (!set || set.building) return undefined;
    if (query.length !== set.index.params.dims) throw dimensionMismatch(model, set.index.params.dims, query.length);
    // Asking for most of the collection: the exact scan reads no more and is exact (a graph search
    // for k near the index size can miss nodes).
    const nominated = k * (set.index.params.quantization === 'f32' ? 1 : this.o.rescore);
    if (nominated * 2 >= set.index.size) return undefined;
    const full = (seqs: number[]) => vectorsOf?.(seqs) ?? this.rows.bySeq(set.projectId, set.model, seqs, set.index.params.dims);
    const result = allowedSeqs ? this.filtered(set, query, k, allowedSeqs(), full) : this.nearest(set, query, k, full);
    this.maybeSave(set);
    return result;
  }

  build(projectId: string, model: string): AnnIndexStatus | undefined {
    let set = this.setFor(projectId, model, true);
    if (set?.building) this.extend(set, Infinity);
    if (set) set = this.sync(set);
    if (set?.building) this.extend(set, Infinity);
    if (!set) return undefined;
    this.save(set);
    return this.describe(set);
  }

  flush(): void {
    for (const set of this.sets.values()) if (set.unsaved > 0 && !set.building) this.save(set);
  }

  status(): AnnIndexStatus[] {
    return [...this.sets.values()].map((s) => this.describe(s));
  }

  close(): void {
    try {
      if (this.db.open) this.flush();
    } finally {
      this.sets.clear();
    }
  }

  private describe(s: AnnSet): AnnIndexStatus {
    return {
      projectId: s.projectId,
      model: s.model,
      vectors: s.index.size,
      building: s.building !== undefined,
      quantization: s.index.params.quantization,
      unsaved: s.unsaved,
      file: `${s.base}.json`,
    };
  }

  private nearest(set: AnnSet, query: Float32Array, k: number, vectorsOf: FullVectors): AnnSearchResult {
    if (set.index.params.quantization === 'f32') {
      const m = set.index.search(query, k);
      return { seqs: Array.from(m.keys), scores: Array.from(m.scores), via: 'hnsw' };
    }
    // A compressed index only nominates candidates; their full vectors decide the order and the scores.
    const m = set.index.search(query, k * this.o.rescore);
    const full = vectorsOf(Array.from(m.keys));
    return { ...exactTop(query, full.seqs, full.data, k), via: 'hnsw+rescore' };
  }

  private filtered(set: AnnSet, query: Float32Array, k: number, allowedList: number[], vectorsOf: FullVectors): AnnSearchResult | undefined {
    if (allowedList.length <= FILTER_EXACT_MAX) {
      const full = vectorsOf(allowedList);
      return { ...exactTop(query, full.seqs, full.data, k), via: 'filtered-exact' };
    }
    const allowed = new Set(allowedList);
    const size = set.index.size;
    const selectivity = Math.min(1, allowed.size / Math.max(1, size));
    const factor = set.index.params.quantization === 'f32' ? 1 : this.o.rescore;
    let want = Math.ceil(((2 * k) / selectivity) * factor) + k;
    for (;;) {
      const asked = Math.min(want, size);
      if (asked > OVERFETCH_MAX && asked < size) return undefined;
      const m = set.index.search(query, asked);
      const keep: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < m.keys.length; i++) {
        if (!allowed.has(m.keys[i]!)) continue;
        keep.push(m.keys[i]!);
        scores.push(m.scores[i]!);
      }
      const enough = keep.length >= k * factor || keep.length >= allowed.size || m.keys.length >= size;
      if (enough) {
        if (factor === 1) return { seqs: keep.slice(0, k), scores: scores.slice(0, k), via: 'hnsw' };
        const full = vectorsOf(keep);
        return { ...exactTop(query, full.seqs, full.data, k), via: 'hnsw+rescore' };
      }
      // The whole graph did not yield k allowed hits (HNSW can miss nodes): the exact scan decides.
      if (asked >= size) return undefined;
      want *= 4;
    }
  }

  /** The index of (project, model), loaded or started; undefined when exact search should answer. */
  private setFor(projectId: string, model: string, force = false): AnnSet | undefined {
    const key = `${projectId}\u0000${model}`;
    const existing = this.sets.get(key);
    if (existing) return existing;
    const reg = annTablesExist(this.db) ? registration(this.db, projectId, model) : undefined;
    if (!reg) {
      if (this.readonly) return undefined;
      if (!force && this.o.mode === 'auto' && this.count(projectId, model) < this.o.threshold) return undefined;
      if (this.rows.dims(projectId, model) === undefined) return undefined;
      ensureAnnTables(this.db, this.dbPath);
      const fresh = this.db.transaction(() => register(this.db, projectId, model)).immediate();
      return this.adopt(key, this.startBuild(projectId, model, fresh.instance));
    }
    return this.adopt(key, this.open(projectId, model, reg.instance, reg.prunedLogId));
  }

  private adopt(key: string, set: AnnSet | undefined): AnnSet | undefined {
    if (set) this.sets.set(key, set);
    return set;
  }

  private params(dims: number): HnswParams {
    return {
      dims,
      quantization: this.o.quantization,
      connectivity: this.o.connectivity,
      expansionAdd: this.o.expansionAdd,
      expansionSearch: this.o.expansionSearch,
    };
  }

  /** Loads the saved file when it belongs to this registration and the log still covers what it lacks; otherwise rebuilds. */
  private open(projectId: string, model: string, instance: string, prunedLogId: number): AnnSet | undefined {
    const dims = this.rows.dims(projectId, model);
    const base = annBase(this.dir, this.dbPath, projectId, model);
    const manifest = readManifest(base);
    const usable = dims !== undefined && manifest && manifest.instance === instance && manifest.logId >= prunedLogId && sameParams(manifest.params, this.params(dims));
    if (dims !== undefined && manifest && usable && fileMatches(this.dir, manifest)) {
      const index = new HnswIndex(this.params(dims));
      try {
        index.load(join(this.dir, manifest.file));
        return { projectId, model, base, index, instance, applied: manifest.logId, building: undefined, unsaved: 0 };
      } catch {
        // A damaged or missing file: the rebuild below reads everything again from SQLite.
      }
    }
    if (this.readonly || dims === undefined) return undefined;
    return this.startBuild(projectId, model, instance);
  }

  private startBuild(projectId: string, model: string, instance: string): AnnSet | undefined {
    const dims = this.rows.dims(projectId, model);
    if (dims === undefined) return undefined;
    const base = annBase(this.dir, this.dbPath, projectId, model);
    // The log id is taken before the first page is read: every change during the build is replayed after it.
    const fromLog = maxLogId(this.db);
    return { projectId, model, base, index: new HnswIndex(this.params(dims)), instance, applied: fromLog, building: { cursor: 0, fromLog }, unsaved: 0 };
  }

  /** Reads and inserts pages of vectors until the budget is spent or the table is exhausted. */
  private extend(set: AnnSet, budgetMs: number): void {
    const started = performance.now();
    const dims = set.index.params.dims;
    while (set.building) {
      const page = this.rows.page(set.projectId, set.model, set.building.cursor, BUILD_PAGE, dims);
      set.index.upsert(page.seqs, page.data);
      set.unsaved += page.seqs.length;
      if (page.last === undefined || page.read < BUILD_PAGE) {
        set.applied = set.building.fromLog;
        set.building = undefined;
        const live = this.sync(set);
        if (live && !this.readonly) this.save(live);
        return;
      }
      set.building.cursor = page.last;
      if (performance.now() - started >= budgetMs) return;
    }
  }

  /**
   * Applies what ann_log recorded since the index was last brought up to date. Returns the
   * live set, which is a fresh one when another process re-registered the index or pruned
   * log entries this copy still needed, and undefined when the index was dropped.
   */
  private sync(set: AnnSet): AnnSet | undefined {
    if (!annTablesExist(this.db)) return set;
    const latest = maxLogId(this.db);
    if (latest === set.applied) return set;
    const reg = registration(this.db, set.projectId, set.model);
    if (!reg || reg.instance !== set.instance || set.applied < reg.prunedLogId) {
      const key = `${set.projectId}\u0000${set.model}`;
      this.sets.delete(key);
      const again = reg ? this.adopt(key, this.open(set.projectId, set.model, reg.instance, reg.prunedLogId)) : undefined;
      return again && !again.building ? this.sync(again) : again;
    }
    // One read transaction: the log position and the vectors come from the same snapshot.
    const { upTo, seqs, current } = this.db.transaction(() => {
      const upTo = maxLogId(this.db);
      const seqs = loggedSeqs(this.db, set.projectId, set.applied, upTo);
      return { upTo, seqs, current: this.rows.bySeq(set.projectId, set.model, seqs, set.index.params.dims) };
    })();
    set.index.remove(seqs);
    set.index.upsert(current.seqs, current.data);
    set.applied = upTo;
    set.unsaved += seqs.length;
    return set;
  }

  private maybeSave(set: AnnSet): void {
    // Relative too: rewriting a 200k-vector file every 5,000 changes would dominate a large re-ingest.
    if (set.unsaved >= Math.max(this.o.saveEvery, set.index.size / 10)) this.save(set);
  }

  /**
   * Writes the index under the write lock, so two processes never interleave saves, and only
   * if no newer file has been recorded meanwhile; then prunes the log entries it made redundant.
   */
  private save(set: AnnSet): void {
    if (this.readonly || set.building) return;
    this.db
      .transaction(() => {
        const reg = registration(this.db, set.projectId, set.model);
        if (!reg || reg.instance !== set.instance || reg.savedLogId > set.applied) return;
        const manifest = { format: 1 as const, projectId: set.projectId, model: set.model, instance: set.instance, params: set.index.params, logId: set.applied, count: set.index.size };
        saveGeneration(set.base, manifest, (path) => set.index.save(path));
        markSaved(this.db, set.projectId, set.model, set.applied);
      })
      .immediate();
    set.unsaved = 0;
  }

  /** Vectors of (project, model), cached until a write of ours or another connection's. */
  private count(projectId: string, model: string): number {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.dataVersion) {
      this.counts.clear();
      this.dataVersion = version;
    }
    const key = `${projectId}\u0000${model}`;
    let n = this.counts.get(key);
    if (n === undefined) {
      n = this.rows.count(projectId, model);
      this.counts.set(key, n);
    }
    return n;
  }

}

function sameParams(a: HnswParams, b: HnswParams): boolean {
  return a.dims === b.dims && a.quantization === b.quantization && a.connectivity === b.connectivity && a.expansionAdd === b.expansionAdd;
}
