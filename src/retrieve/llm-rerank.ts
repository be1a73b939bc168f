/**
 * LLM rerankers over the injected `generate` function.
 *  - listwise (RankGPT, Sun et al., 2023): one call shows the numbered passages and asks for
 *    an order "[3] > [1] > ..."; ids the model drops follow in input order;
 *  - pointwise: one call per passage asks for a 0-10 grade; grades / 10 serve as relevance
 *    probabilities for abstention.
 * Unreadable replies never fail the request: unscored hits keep their input order and the
 * step record carries a warning with the start of the reply.
 */
import { clip, parseGrade, parseRanking } from './parse.js';
import { rerankStep } from './pipeline.js';
import type { RetrievalStep } from './steps.js';

export interface LlmRerankOptions {
  mode?: 'listwise' | 'pointwise';
  /** Hits reranked (default 20 listwise, 10 pointwise); the rest follow unchanged. */
  top?: number;
  /** Passage length in the prompt (default 500 characters). */
  maxChars?: number;
  /** Listwise: passages per model call (default 20); longer lists are ranked by a sliding window. */
  window?: number;
  /** Listwise: how far the window moves up each call (default window / 2). */
  stride?: number;
  /** Pointwise calls in flight at once (default 4). */
  concurrency?: number;
  listwisePrompt?: (query: string, passages: string[]) => string;
  pointwisePrompt?: (query: string, passage: string) => string;
}

export const LISTWISE_PROMPT = (query: string, passages: string[]): string =>
  `Rank the ${passages.length} passages below by how relevant they are to the search query.\n\n` +
  passages.map((p, i) => `[${i + 1}] ${p}`).join('\n') +
  `\n\nSearch query: ${query}\n\nList every passage identifier, most relevant first, in the form [2] > [1] > [3]. ` +
  `Reply with the ranking only.`;

export const POINTWISE_PROMPT = (query: string, passage: string): string =>
  `How well does the passage answer the query? Grade from 0 (unrelated) to 10 (answers it fully).\n\n` +
  `Query: ${query}\n\nPassage: ${passage}\n\nReply with the number only.`;

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export function llmRerankStep(options: LlmRerankOptions = {}): RetrievalStep {
  const mode = options.mode ?? 'listwise';
  const maxChars = options.maxChars ?? 500;
  if (mode === 'pointwise') {
    const prompt = options.pointwisePrompt ?? POINTWISE_PROMPT;
    return rerankStep(
      'llm-rerank',
      async (query, hits, ctx) => {
        let bad = 0;
        let example = '';
        const grades = await mapLimited(hits, options.concurrency ?? 4, async (h) => {
          const reply = await ctx.generate(prompt(query, clip(h.chunk.text, maxChars)));
          const g = parseGrade(reply, 10);
          if (g === undefined) {
            bad++;
            example ||= reply;
          }
          return g === undefined ? undefined : g / 10;
        });
        if (bad > 0) ctx.warn(`llm-rerank: ${bad} of ${hits.length} grades unreadable, e.g. ${JSON.stringify(clip(example, 120))}`);
        return grades;
      },
      { top: options.top ?? 10, scoreIsProbability: true },
    );
  }
  const prompt = options.listwisePrompt ?? LISTWISE_PROMPT;
  const window = Math.max(2, Math.floor(options.window ?? 20));
  const stride = Math.max(1, Math.min(window - 1, Math.floor(options.stride ?? window / 2)));
  return rerankStep(
    'llm-rerank',
    async (query, hits, ctx) => {
      const rankWindow = async (ids: number[]): Promise<number[]> => {
        const reply = await ctx.generate(
          prompt(
            query,
            ids.map((i) => clip(hits[i]!.chunk.text, maxChars)),
          ),
        );
        const order = parseRanking(reply, ids.length);
        if (order.length === 0) {
          ctx.warn(`llm-rerank: no ranking could be read from the model's reply: ${JSON.stringify(clip(reply, 200))}`);
        } else if (order.length < ids.length) {
          ctx.warn(`llm-rerank: the model ranked ${order.length} of ${ids.length} passages; the rest follow in input order`);
        }
        return order.map((o) => ids[o]!);
      };
      const scores = new Array<number | undefined>(hits.length).fill(undefined);
      if (hits.length <= window) {
        // One call; position in the model's order becomes a descending score, unranked hits stay unscored.
        (await rankWindow(hits.map((_, i) => i))).forEach((index, pos) => (scores[index] = 1 - pos / hits.length));
        return scores;
      }
      // RankGPT's sliding window: from the bottom of the list up, so a strong passage found
      // low can climb window by window to the top.
      const order = hits.map((_, i) => i);
      for (let start = Math.max(0, hits.length - window); ; start = Math.max(0, start - stride)) {
        const ids = order.slice(start, start + window);
        const ranked = await rankWindow(ids);
        const rest = ids.filter((i) => !ranked.includes(i));
        order.splice(start, ids.length, ...ranked, ...rest);
        if (start === 0) break;
      }
      order.forEach((index, pos) => (scores[index] = 1 - pos / hits.length));
      return scores;
    },
    { top: options.top ?? 20 },
  );
}
