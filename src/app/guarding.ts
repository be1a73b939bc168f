import { IncontextError, type Hit } from '../core/index.js';
import { createInjectionDetector, type InjectionDetector } from '../guard/index.js';
import type { Config } from '../config/index.js';
import type { SpanHandle } from '../trace/index.js';

/**
 * The guard step of an ask: the question is checked for prompt injection (flag or block), and
 * retrieved chunks that carry injected instructions are dropped before the prompt is built, so
 * an indirect injection planted in a document never reaches the model. Verdicts go on the trace.
 */
export function createAskGuard(config: Config['guard']) {
  let detector: InjectionDetector | undefined;
  const scan = (text: string) => {
    detector ??= createInjectionDetector({ policy: config.policy });
    return detector.scan(text);
  };
  return {
    checkInput(question: string, span?: SpanHandle): void {
      if (config.input === 'off') return;
      const r = scan(question);
      span?.setAttributes({ 'guard.input.score': Number(r.score.toFixed(4)), 'guard.input.flagged': r.flagged });
      if (r.flagged && config.input === 'block') {
        const top = r.signals.filter((s) => s.score > 0).sort((a, b) => b.score - a.score)[0];
        throw new IncontextError('GUARD_BLOCKED', `The question looks like a prompt-injection attempt (score ${r.score.toFixed(2)}${top ? `, ${top.name}` : ''})`, {
          input: { key: 'question' },
          hint: 'Rephrase the question. Operators can set guard.input to "flag" or pick guard.policy "permissive".',
        });
      }
    },
    /** Extra candidates to retrieve so that `k` hits remain after dropping flagged ones. */
    spare(k: number): number {
      return config.retrieval === 'drop' ? Math.min(k, 3) : 0;
    },
    filterHits(hits: Hit[], k: number, span?: SpanHandle): Hit[] {
      if (config.retrieval === 'off') return hits.slice(0, k);
      const flagged = new Set(hits.filter((h) => scan(h.chunk.text).flagged).map((h) => h.chunk.id));
      span?.setAttributes({ 'guard.retrieval.flagged': flagged.size });
      if (config.retrieval === 'flag' || flagged.size === 0) return hits.slice(0, k);
      return hits
        .filter((h) => !flagged.has(h.chunk.id))
        .slice(0, k)
        .map((h, i) => ({ ...h, rank: i + 1 }));
    },
  };
}
