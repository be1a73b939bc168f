/**
 * A literal pre-filter for the rule regexes. Most rules cannot match a text that lacks certain words:
 * `requiredLiterals` (literals.ts) reads those words off the regex source, and `RuleGate` finds every
 * such word of every rule in one Aho-Corasick pass over a reading, so a rule's regex runs only on the
 * readings that contain its words. A rule whose words cannot be read is always run. The gate changes
 * which regexes run, never what a regex answers.
 */
import { requiredLiterals } from './literals.js';

/** Classes shared by all non-ASCII code units in the gate's automaton (a power of two). */
const WIDE_BUCKETS = 16;

/**
 * Which of a list of regexes may match a text, from one pass over it: an Aho-Corasick automaton over
 * every required literal of every regex, ASCII letters folded to lower case.
 */
export class RuleGate {
  /** Per regex, its clauses as literal ids. */
  private readonly clauseIds: Int32Array[][];
  /** Class of each ASCII code unit (0: in no literal); code units from 128 up fall in `WIDE_BUCKETS` classes from `wide`. */
  private readonly ascii = new Uint8Array(128);
  private readonly wide: number;
  private readonly width: number;
  private readonly delta: Uint16Array | Int32Array;
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  private readonly seen: Uint32Array;
  private stamp = 0;
  /** Regexes without clauses pass every text. */
  private readonly always: Uint8Array;
  /** Clauses of each literal (flattened, by `litStart`), the regex of each clause, clauses per regex. */
  private readonly litStart: Int32Array;
  private readonly litClauses: Int32Array;
  private readonly clauseRule: Int32Array;
  private readonly ruleNeed: Int32Array;
  /** Per-pass marks (the pass's stamp): a clause satisfied; per regex, the clauses satisfied so far. */
  private readonly clauseSeen: Uint32Array;
  private readonly ruleStamp: Uint32Array;
  private readonly ruleCount: Int32Array;

  constructor(regexes: readonly RegExp[]) {
    const ids = new Map<string, number>();
    const literals: string[] = [];
    const id = (s: string): number => {
      let k = ids.get(s);
      if (k === undefined) {
        k = literals.length;
        ids.set(s, k);
        literals.push(s);
      }
      return k;
    };
    this.clauseIds = regexes.map((re) => requiredLiterals(re).map((c) => Int32Array.from(c.map(id))));
    // Alphabet: every ASCII code unit of a literal, upper-case letters sharing their lower-case class,
    // and 16 buckets for all other code units by their low bits. Merging characters into one class can
    // only find more literals, never fewer, and keeps the table small (the CJK and Hangul literals alone
    // would add some 180 classes to every state).
    let width = 1;
    for (const s of literals) {
      for (let i = 0; i < s.length; i++) {
        const code = s.charCodeAt(i);
        if (code < 128 && this.ascii[code] === 0) this.ascii[code] = width++;
      }
    }
    for (let code = 65; code <= 90; code++) this.ascii[code] = this.ascii[code + 32]!;
    this.wide = width;
    width += WIDE_BUCKETS;
    this.width = width;
    const classOf = (code: number): number => (code < 128 ? this.ascii[code]! : this.wide + (code & (WIDE_BUCKETS - 1)));
    // Trie, then breadth-first failure links and a full transition table.
    const next: Array<Map<number, number>> = [new Map()];
    const own: number[][] = [[]];
    literals.forEach((s, k) => {
      let state = 0;
      for (let i = 0; i < s.length; i++) {
        const cls = classOf(s.charCodeAt(i));
        let to = next[state]!.get(cls);
        if (to === undefined) {
          to = next.length;
          next.push(new Map());
          own.push([]);
          next[state]!.set(cls, to);
        }
        state = to;
      }
      own[state]!.push(k);
    });
    const n = next.length;
    const delta = n <= 0xffff ? new Uint16Array(n * width) : new Int32Array(n * width);
    const fail = new Int32Array(n);
    const outs: number[][] = own.map((o) => [...o]);
    const queue: number[] = [];
    for (const [cls, to] of next[0]!) {
      delta[cls] = to;
      queue.push(to);
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      const f = fail[s]!;
      outs[s]!.push(...outs[f]!);
      // A state moves as its failure state does, except on its own children.
      delta.copyWithin(s * width, f * width, f * width + width);
      for (const [cls, to] of next[s]!) {
        fail[to] = delta[f * width + cls]!;
        delta[s * width + cls] = to;
        queue.push(to);
      }
    }
    this.delta = delta;
    this.outStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) this.outStart[s + 1] = this.outStart[s]! + outs[s]!.length;
    this.outIds = Int32Array.from(outs.flat());
    this.seen = new Uint32Array(literals.length);
    this.always = Uint8Array.from(this.clauseIds, (c) => (c.length === 0 ? 1 : 0));
    this.ruleNeed = Int32Array.from(this.clauseIds, (c) => c.length);
    const byLiteral: number[][] = literals.map(() => []);
    const clauseRule: number[] = [];
    this.clauseIds.forEach((clauses, r) => {
      for (const clause of clauses) {
        const c = clauseRule.length;
        clauseRule.push(r);
        for (const lit of clause) byLiteral[lit]!.push(c);
      }
    });
    this.clauseRule = Int32Array.from(clauseRule);
    this.litStart = new Int32Array(literals.length + 1);
    for (let k = 0; k < literals.length; k++) this.litStart[k + 1] = this.litStart[k]! + byLiteral[k]!.length;
    this.litClauses = Int32Array.from(byLiteral.flat());
    this.clauseSeen = new Uint32Array(clauseRule.length);
    this.ruleStamp = new Uint32Array(regexes.length);
    this.ruleCount = new Int32Array(regexes.length);
  }

  /** For each regex, whether its literals are in `text` (1) or it cannot match there (0). */
  pass(text: string, into: Uint8Array = new Uint8Array(this.clauseIds.length)): Uint8Array {
    if (this.stamp === 0xffffffff) {
      // Marks are per-pass stamps; before the stamp wraps, forget every old mark.
      this.seen.fill(0);
      this.clauseSeen.fill(0);
      this.ruleStamp.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const { ascii, wide, delta, width, outStart, outIds, seen, litClauses, clauseRule, clauseSeen, ruleStamp, ruleCount, ruleNeed } = this;
    into.set(this.always);
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      state = delta[state * width + (code < 128 ? ascii[code]! : wide + (code & (WIDE_BUCKETS - 1)))]!;
      for (let k = outStart[state]!; k < outStart[state + 1]!; k++) {
        const lit = outIds[k]!;
        if (seen[lit] === stamp) continue;
        seen[lit] = stamp;
        // A literal's first sighting satisfies its clauses; a regex passes once all its clauses are.
        for (let c = this.litStart[lit]!; c < this.litStart[lit + 1]!; c++) {
          const clause = litClauses[c]!;
          if (clauseSeen[clause] === stamp) continue;
          clauseSeen[clause] = stamp;
          const r = clauseRule[clause]!;
          if (ruleStamp[r] !== stamp) {
            ruleStamp[r] = stamp;
            ruleCount[r] = 0;
          }
          if (++ruleCount[r]! === ruleNeed[r]) into[r] = 1;
        }
      }
    }
    return into;
  }
}
