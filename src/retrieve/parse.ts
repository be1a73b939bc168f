/**
 * Robust readers of model output. Models wrap answers in prose, code fences, JSON, bullets
 * or numbering whatever the prompt says; these take what is usable and say when nothing is.
 */

/** Strip a surrounding code fence and "Answer:"-style lead-ins. */
function unwrap(text: string): string {
  const fence = /```[a-z]*\s*\n?([\s\S]*?)```/i.exec(text);
  return (fence ? fence[1]! : text).trim();
}

/**
 * Query lines from a model's list: one per line, or a JSON array of strings, or a JSON
 * object with a `queries` array. Numbering, bullets, quotes and "Query 2:" labels go;
 * lead-in lines such as "Here are 3 rewrites:" are dropped.
 */
export function parseQueryList(text: string, max: number): string[] {
  const body = unwrap(text);
  const json = tryJson(body);
  let items: string[] | undefined;
  if (Array.isArray(json)) items = json.filter((x): x is string => typeof x === 'string');
  else if (json && typeof json === 'object' && Array.isArray((json as { queries?: unknown }).queries)) {
    items = ((json as { queries: unknown[] }).queries).filter((x): x is string => typeof x === 'string');
  }
  items ??= body
    .split(/\r?\n/)
    .filter((l) => !/:\s*$/.test(l.trim()))
    .map((l) =>
      l
        .trim()
        .replace(/^(?:[-*•]+|\(?\d+[.)\]:]|\[\d+\])\s*/, '')
        .replace(/^(?:query|rewrite|question|search)\s*\d*\s*[:-]\s*/i, ''),
    );
  const out: string[] = [];
  for (const raw of items) {
    const q = raw.trim().replace(/^["'“‘`]+|["'”’`]+$/g, '').trim();
    if (q.length >= 2 && !out.includes(q)) out.push(q);
    if (out.length >= max) break;
  }
  return out;
}

function tryJson(text: string): unknown {
  const t = text.trim();
  if (!/^[[{]/.test(t)) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A listwise ranking such as "[3] > [1] > [2]", "3, 1, 2", or `{"ranking":[3,1,2]}`:
 * 1-based ids in order of appearance, out-of-range and repeated ids dropped (RankGPT's
 * cleaning). Returns 0-based indices; ids the model left out are not added here.
 */
export function parseRanking(text: string, n: number): number[] {
  const body = unwrap(text);
  const json = tryJson(body);
  let ids: number[];
  if (Array.isArray(json)) ids = json.map(Number);
  else if (json && typeof json === 'object' && Array.isArray((json as { ranking?: unknown }).ranking)) {
    ids = ((json as { ranking: unknown[] }).ranking).map(Number);
  } else {
    // Prefer bracketed ids when present, so numbers inside prose ("top 3") are not read as ids.
    const bracketed = [...body.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    ids = bracketed.length > 0 ? bracketed : [...body.matchAll(/\b(\d+)\b/g)].map((m) => Number(m[1]));
  }
  const out: number[] = [];
  for (const id of ids) {
    if (Number.isInteger(id) && id >= 1 && id <= n && !out.includes(id - 1)) out.push(id - 1);
  }
  return out;
}

/**
 * A pointwise grade on a 0..max scale: "7", "Score: 7/10", "**8**", `{"score": 6}`.
 * Returns undefined when no number in range is found.
 */
export function parseGrade(text: string, max: number): number | undefined {
  const body = unwrap(text);
  const json = tryJson(body);
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const v = Number((json as { score?: unknown; relevance?: unknown }).score ?? (json as { relevance?: unknown }).relevance);
    if (Number.isFinite(v) && v >= 0 && v <= max) return v;
  }
  const labelled = /(?:score|relevance|rating|grade)\s*[:=]?\s*\**\s*(\d+(?:\.\d+)?)/i.exec(body);
  const first = labelled ?? /(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])/.exec(body);
  if (!first) return undefined;
  const v = Number(first[1]);
  return Number.isFinite(v) && v >= 0 && v <= max ? v : undefined;
}

/** The multi-hop controller's reply: DONE, or the next search query. */
export function parseNextQuery(text: string): { done: true } | { done: false; query: string } | undefined {
  const body = unwrap(text);
  if (/^\W*done\b/i.test(body) || /^\W*(?:next query|query)\s*:\s*done\b/i.test(body)) return { done: true };
  const labelled = /(?:next query|query|search)\s*:\s*(.+)/i.exec(body);
  const line = labelled ? labelled[1]! : body.split(/\r?\n/).find((l) => l.trim());
  if (!line) return undefined;
  const query = line.trim().replace(/^["'“‘`]+|["'”’`]+$/g, '').trim();
  if (/^done\b/i.test(query)) return { done: true };
  return query.length >= 2 ? { done: false, query } : undefined;
}

/** Shorten a passage for a prompt at a word boundary. */
export function clip(text: string, maxChars: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= maxChars) return t;
  const cut = t.lastIndexOf(' ', maxChars);
  return `${t.slice(0, cut > maxChars * 0.6 ? cut : maxChars)} …`;
}
