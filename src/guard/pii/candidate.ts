import type { PiiLabel } from './types.js';

/** A detector's raw finding before overlaps between detectors are resolved. */
export interface Candidate {
  start: number;
  end: number;
  label: PiiLabel;
  score: number;
}

/** Lower-cased text in the `n` characters before `start`, for context rules ("SSN:", "call me at"). */
export function before(text: string, start: number, n = 40): string {
  return text.slice(Math.max(0, start - n), start).toLowerCase();
}

export function after(text: string, end: number, n = 40): string {
  return text.slice(end, end + n).toLowerCase();
}

/** Every match of a global regex with its offsets; `group` picks a capture group as the span. */
export function* matches(re: RegExp, text: string, group = 0): Generator<{ start: number; end: number; m: RegExpExecArray }> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const g = m[group];
    if (g === undefined) continue;
    const start = group === 0 ? m.index : m.index + m[0].indexOf(g);
    yield { start, end: start + g.length, m };
  }
}

/** Drop trailing sentence punctuation that a greedy pattern swallowed. */
export function trimEnd(text: string, start: number, end: number, chars = '.,;:!?)\'"'): number {
  while (end > start && chars.includes(text[end - 1] ?? '')) end--;
  return end;
}
