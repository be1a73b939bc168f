/**
 * llm-guard (npm) as a peer: its PII guard covers email, phone, SSN, credit card and IPv4 with plain
 * regexes and reports matched values without offsets, so offsets are recovered by searching the text
 * left to right for each value.
 */
import { LLMGuard } from 'llm-guard';

export interface PeerSpan {
  start: number;
  end: number;
  label: string;
}

export const PEER_LABELS = ['email', 'phone', 'ssn', 'credit_card', 'ip_address'];

const guard = new LLMGuard({ pii: true, profanity: false, jailbreak: false, toxicity: false, relevance: false, promptInjection: false });

export async function peerSpans(text: string): Promise<PeerSpan[]> {
  const res = await guard.validate(text);
  const out: PeerSpan[] = [];
  const from = new Map<string, number>();
  for (const r of res.results) {
    for (const d of r.details ?? []) {
      const m = /^Found ([a-z_]+): /.exec(d.message);
      if (!m?.[1] || d.matched == null) continue;
      const key = `${m[1]}\u0000${d.matched}`;
      const at = text.indexOf(d.matched, from.get(key) ?? 0);
      if (at < 0) continue;
      from.set(key, at + d.matched.length);
      out.push({ start: at, end: at + d.matched.length, label: m[1] });
    }
  }
  return out;
}
