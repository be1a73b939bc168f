/**
 * The literal requirements of a regex, read off its source: the words every match must contain
 * ("ignore" or "disregard" or ..., and "instruction" or "rule" or ...), for the rule gate of
 * prefilter.ts. The reading is conservative: a construct it does not understand requires nothing.
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
