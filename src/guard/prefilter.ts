/**
 * A literal pre-filter for the rule regexes. Most rules cannot match a text that lacks certain words
 * ("ignore" or "disregard" or ..., and "instruction" or "rule" or ...): `requiredLiterals` reads those
 * words off the regex source, and `RuleGate` finds every such word of every rule in one Aho-Corasick
 * pass over a reading, so a rule's regex runs only on the readings that contain its words. The
 * derivation is conservative: a construct it does not understand requires nothing, so a rule it cannot
 * read is simply always run. The gate changes which regexes run, never what a regex answers.
 */

/**
 * Requirements of a regex in conjunctive form: every match contains, for each clause, at least one of
 * the clause's literals (ASCII case-insensitively). An empty list means no requirement was found.
 */
export type Clauses = string[][];

interface Info {
  /** Every string the node can consume (lower-cased), when that set is known and small; else null. */
  exact: string[] | null;
  clauses: Clauses;
}

/** Exact sets larger than this are forgotten: they would make the automaton big for little gain. */
const LIMIT = 64;
/** Classes shared by all non-ASCII code units in the gate's automaton (a power of two). */
const WIDE_BUCKETS = 16;
const UNKNOWN: Info = { exact: null, clauses: [] };
const EMPTY: Info = { exact: [''], clauses: [] };

/**
 * A character the gate can match: ASCII (folded to lower case) or a character without case. A cased
 * non-ASCII letter or a surrogate half is not read, since case-insensitive matching and lower-casing
 * disagree on some of them (final sigma, the Kelvin sign, astral letters).
 */
function gateChar(c: string): string | undefined {
  const code = c.charCodeAt(0);
  if (code < 128) return c.toLowerCase();
  if (code >= 0xd800 && code <= 0xdfff) return undefined;
  return c.toLowerCase() === c && c.toUpperCase() === c ? c : undefined;
}

function charInfo(c: string): Info {
  const g = gateChar(c);
  return g === undefined ? UNKNOWN : { exact: [g], clauses: [] };
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

function cross(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return uniq(out);
}

/** Drop literals that contain another literal of the clause: the shorter one is present whenever they are. */
function simplify(clause: string[]): string[] {
  const u = uniq(clause).sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const s of u) if (!out.some((o) => s.includes(o))) out.push(s);
  return out;
}

/** A clause is useful only when none of its literals is empty (an empty literal is always present). */
function asClause(set: string[] | null): string[] | undefined {
  if (!set || set.length === 0 || set.includes('')) return undefined;
  return simplify(set);
}

/** Higher is more selective: the shortest literal's length, then fewer literals. */
function quality(clause: string[]): number {
  return Math.min(...clause.map((s) => s.length)) * 1000 - clause.length;
}

function best(info: Info): string[] | undefined {
  const all = [...info.clauses];
  const own = asClause(info.exact);
  if (own) all.push(own);
  let top: string[] | undefined;
  for (const c of all) if (!top || quality(c) > quality(top)) top = c;
  return top;
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Info {
    const info = this.alternation();
    if (this.i !== this.src.length) throw new Error(`unexpected ${this.src[this.i]} at ${this.i}`);
    return info;
  }

  private alternation(): Info {
    const branches = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0]!;
    let exact: string[] | null = [];
    for (const b of branches) exact = exact && b.exact ? uniq([...exact, ...b.exact]) : null;
    if (exact && exact.length > LIMIT) exact = null;
    // One literal of some branch's best clause is in every match.
    const picks = branches.map(best);
    const clauses: Clauses = picks.every((p) => p !== undefined) ? [simplify(picks.flat() as string[])] : [];
    return { exact, clauses };
  }

  private sequence(): Info {
    const clauses: Clauses = [];
    let run: string[] = [''];
    let whole = true;
    const flush = () => {
      const c = asClause(run);
      if (c) clauses.push(c);
    };
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const item = this.quantified();
      clauses.push(...item.clauses);
      if (item.exact && run.length * item.exact.length <= LIMIT) {
        run = cross(run, item.exact);
        continue;
      }
      whole = false;
      flush();
      run = item.exact ?? [''];
    }
    flush();
    return { exact: whole ? run : null, clauses };
  }

  private quantified(): Info {
    const atom = this.atom();
    const q = this.quantifier();
    if (!q) return atom;
    const [min, max] = q;
    let exact: string[] | null = null;
    if (atom.exact && max <= 4) {
      let power = [''];
      let acc: string[] | null = [];
      for (let k = 0; k <= max && acc; k++) {
        if (k >= min) acc = uniq([...acc, ...power]);
        if (acc.length > LIMIT) acc = null;
        else if (k < max) power = cross(power, atom.exact);
      }
      exact = acc;
    }
    if (min === 0) return { exact, clauses: [] };
    const clauses = [...atom.clauses];
    const own = asClause(atom.exact);
    if (own) clauses.push(own);
    return { exact, clauses };
  }

  private quantifier(): [number, number] | undefined {
    const c = this.src[this.i];
    let q: [number, number] | undefined;
    if (c === '*') q = [0, Infinity];
    else if (c === '+') q = [1, Infinity];
    else if (c === '?') q = [0, 1];
    if (q) this.i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return undefined;
      const min = Number(m[1]);
      q = [min, m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])];
      this.i += m[0].length;
    }
    if (q && this.src[this.i] === '?') this.i++;
    return q;
  }

  private atom(): Info {
    const c = this.src[this.i]!;
    if (c === '(') return this.group();
    if (c === '[') return this.charClass();
    this.i++;
    if (c === '.') return UNKNOWN;
    if (c === '^' || c === '$') return EMPTY;
    if (c === '\\') return this.escape();
    return charInfo(c);
  }

  private group(): Info {
    this.i++;
    let look: 'positive' | 'negative' | undefined;
    if (this.src.startsWith('?:', this.i)) this.i += 2;
    else if (this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i)) [this.i, look] = [this.i + 2, this.src[this.i + 1] === '=' ? 'positive' : 'negative'];
    else if (this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i)) [this.i, look] = [this.i + 3, this.src[this.i + 2] === '=' ? 'positive' : 'negative'];
    else if (this.src.startsWith('?<', this.i)) this.i = this.src.indexOf('>', this.i) + 1;
    else if (this.src[this.i] === '?') throw new Error(`unknown group at ${this.i}`);
    const inner = this.alternation();
    if (this.src[this.i] !== ')') throw new Error(`unclosed group at ${this.i}`);
    this.i++;
    if (look === undefined) return inner;
    // A lookaround consumes nothing. What a positive one asserts is still in the text, which is all the
    // gate looks at; a negative one requires nothing.
    if (look === 'negative') return EMPTY;
    const clauses = [...inner.clauses];
    const own = asClause(inner.exact);
    if (own) clauses.push(own);
    return { exact: [''], clauses };
  }

  private escape(): Info {
    const c = this.src[this.i++];
    if (c === undefined) throw new Error('trailing backslash');
    if (c === 'b' || c === 'B') return EMPTY;
    if ('dDwWsSpP'.includes(c)) return UNKNOWN;
    // Back-references (possibly empty) and octal escapes: not read.
    if (/[0-9]/.test(c)) return UNKNOWN;
    if (c === 'k' && this.src[this.i] === '<') {
      this.i = this.src.indexOf('>', this.i) + 1;
      return UNKNOWN;
    }
    const ch = this.escapedChar(c);
    return ch === undefined ? UNKNOWN : charInfo(ch);
  }

  /** The character of a single-character escape, or undefined when it is not one this parser reads. */
  private escapedChar(c: string): string | undefined {
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };
    if (simple[c] !== undefined) return simple[c];
    if (c === 'x' || c === 'u') {
      const m = (c === 'x' ? /^[0-9a-fA-F]{2}/ : /^[0-9a-fA-F]{4}/).exec(this.src.slice(this.i));
      if (!m) return undefined;
      this.i += m[0].length;
      return String.fromCharCode(parseInt(m[0], 16));
    }
    if (c === 'c') return undefined;
    // An identity escape: "\." is ".", "\/" is "/".
    return /[a-zA-Z]/.test(c) ? undefined : c;
  }

  private charClass(): Info {
    this.i++;
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const chars: string[] = [];
    let known = true;
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const lo = this.classAtom();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const hi = this.classAtom();
        if (lo === undefined || hi === undefined || hi.charCodeAt(0) - lo.charCodeAt(0) > 40) known = false;
        else for (let k = lo.charCodeAt(0); k <= hi.charCodeAt(0); k++) chars.push(String.fromCharCode(k));
        continue;
      }
      if (lo === undefined) known = false;
      else chars.push(lo);
    }
    if (this.src[this.i] !== ']') throw new Error('unclosed class');
    this.i++;
    if (negated || !known || chars.length === 0) return UNKNOWN;
    const out: string[] = [];
    for (const ch of chars) {
      const g = gateChar(ch);
      if (g === undefined) return UNKNOWN;
      // Without the i flag the class matches only the case written; the gate folds case, a superset.
      out.push(g);
    }
    const u = uniq(out);
    return u.length <= LIMIT ? { exact: u, clauses: [] } : UNKNOWN;
  }

  /** One character of a class, or undefined for a class escape (\s, \w, ...) or one not read. */
  private classAtom(): string | undefined {
    const c = this.src[this.i++]!;
    if (c !== '\\') return c;
    const e = this.src[this.i++];
    if (e === undefined) throw new Error('trailing backslash');
    if (e === 'b') return '\b';
    if ('dDwWsSpP'.includes(e) || /[0-9]/.test(e)) return undefined;
    return this.escapedChar(e);
  }
}

/**
 * The literal requirements of a regex (see `Clauses`), at most `max` clauses, most selective first.
 * Flags u and v (Unicode case folding) are not read: such a regex requires nothing.
 */
export function requiredLiterals(re: RegExp, max = 4): Clauses {
  if (re.unicode || re.flags.includes('v')) return [];
  let info: Info;
  try {
    info = new Parser(re.source).parse();
  } catch {
    return [];
  }
  const all = [...info.clauses];
  const own = asClause(info.exact);
  if (own) all.push(own);
  const seen = new Set<string>();
  const out: Clauses = [];
  for (const c of all.map(simplify).sort((a, b) => quality(b) - quality(a))) {
    const key = c.join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === max) break;
  }
  return out;
}

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
