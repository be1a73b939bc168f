import { afterAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import type { Span } from '../src/trace/index.js';
import { openTemp } from './helpers.js';

const DAY = 86_400_000;
const TO = Date.UTC(2026, 10, 20);
let ic: Incontext;
afterAll(() => ic?.close());

const root = (n: number, at: number, input: string): Span => ({
  traceId: n.toString(16).padStart(32, '0'),
  spanId: n.toString(16).padStart(16, '0'),
  projectId: 'default',
  name: 'ask',
  kind: 'request',
  startTime: at,
  endTime: at + 100,
  status: 'ok',
  attributes: {},
  input,
});

const cooking = ['How long do I boil an egg?', 'What temperature to bake bread?', 'How to make pasta dough?', 'Best way to roast vegetables?', 'How much salt in soup?', 'How to caramelise onions?', 'Can I freeze cooked rice?', 'How to sear a steak?', 'What oil to fry chips in?', 'How to whisk egg whites?'];
const billing = ['Why was my invoice charged twice?', 'How do I update my credit card?', 'Can I get a refund for last month?', 'Where do I download a receipt?', 'How to cancel my subscription?', 'Why did my payment fail?', 'How do I change billing address?', 'What is the VAT on my invoice?', 'Can I pay by bank transfer?', 'How do I see past invoices?'];

describe('stats drift', () => {
  it('reports a larger centroid distance when the questions change topic than between halves of a stable week, and feedback change', async () => {
    ic = openTemp().ic;
    const spans: Span[] = [];
    cooking.forEach((q, i) => spans.push(root(i + 1, TO - 10 * DAY + i * 1000, q)));
    billing.forEach((q, i) => spans.push(root(i + 101, TO - 3 * DAY + i * 1000, q)));
    await ic.traces.write(spans);
    await ic.traces.addFeedback('default', spans[0]!.traceId, { score: 1 });
    await ic.traces.addFeedback('default', spans[10]!.traceId, { score: 0.25 });

    const s = await ic.stats({ to: TO, days: 14 });
    expect(s.traces).toBe(20);
    expect(s.drift.inputs).toMatchObject({ thisWeek: 10, lastWeek: 10 });
    expect(s.drift.inputs.centroidDistance).toBeGreaterThan(s.drift.inputs.baseline!);
    expect(s.drift.feedback).toEqual({ thisWeek: 0.25, lastWeek: 1, change: -0.75 });

    // The same topic both weeks: the distance falls to the level of the noise.
    await ic.traces.write(cooking.map((q, i) => root(i + 201, TO - 2 * DAY + i * 1000, q)));
    const stable = await ic.stats({ to: TO + 8 * DAY - 1, days: 14 });
    expect(stable.drift.inputs.thisWeek).toBe(0);
    expect(stable.drift.inputs.centroidDistance).toBeNull();
    const mixed = await ic.stats({ to: TO, days: 14 });
    expect(mixed.drift.inputs.centroidDistance!).toBeLessThan(s.drift.inputs.centroidDistance!);
  });
});
