import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { runChunkingExperiment, type ChunkingExperimentResult } from './experiment.js';
import { createIncontext, type Incontext } from './incontext.js';

/**
 * Five turbines described alike: every document has the same sections with the same words,
 * only the numbers differ, and each names its own turbine in the heading and introduction (and
 * a sibling in passing). A question names the turbine and asks about a section, so the right
 * document is the one where the name and the section's words meet: in one chunk when chunks are
 * large, in different chunks when they are tiny.
 */
const TURBINES: Array<{ name: string; sibling: string; pump: number; output: number; hours: number; blade: string }> = [
  { name: 'Kestrel', sibling: 'Falcon', pump: 40, output: 12, hours: 800, blade: 'titanium' },
  { name: 'Falcon', sibling: 'Kestrel', pump: 90, output: 30, hours: 1200, blade: 'steel' },
  { name: 'Osprey', sibling: 'Merlin', pump: 55, output: 18, hours: 950, blade: 'carbon fibre' },
  { name: 'Merlin', sibling: 'Osprey', pump: 70, output: 24, hours: 600, blade: 'aluminium' },
  { name: 'Harrier', sibling: 'Falcon', pump: 65, output: 21, hours: 1500, blade: 'nickel alloy' },
];

function turbineDoc(t: (typeof TURBINES)[number]): string {
  return `# The ${t.name} turbine

The ${t.name} is one of the five turbines the plant runs. Engineers compare it with the ${t.sibling} when they plan the yearly overhaul, and the ${t.name} manual is kept in the control room next to the others.

## Cooling

The cooling pump runs at ${t.pump} litres per minute. Water enters from the river intake and leaves through the heat exchanger on the north wall.

## Power

At full load the generator delivers ${t.output} megawatts. The output is limited by the transformer rating rather than by the blades.

## Maintenance

The bearings are inspected every ${t.hours} operating hours. The blades are made of ${t.blade} and are replaced every ten years.
`;
}

const QUESTIONS = [
  { query: 'Kestrel turbine cooling pump litres per minute', relevant: ['kestrel.md'], answers: ['40 litres per minute'] },
  { query: 'Falcon generator megawatts at full load', relevant: ['falcon'], answers: ['30 megawatts'] },
  { query: 'Osprey bearings inspected operating hours', relevant: ['osprey.md'], answers: ['950 operating hours'] },
  { query: 'Merlin blades made of which material', relevant: ['merlin.md'], answers: ['aluminium'] },
  { query: 'Harrier cooling pump rate', relevant: ['harrier.md'], answers: ['65 litres per minute'] },
  { query: 'Kestrel blades material and replacement', relevant: [{ id: 'kestrel.md', grade: 2 }], answers: ['titanium'] },
];

let root: string;
let corpus: string;
let dataset: string;
const opened: Incontext[] = [];

function openProject(config: Record<string, unknown> = {}): Incontext {
  const ic = createIncontext({ cwd: root, env: {}, config: { home: join(root, '.incontext'), embed: { model: 'local:hash' }, logLevel: 'silent', retrieve: { steps: [] }, ...config } });
  opened.push(ic);
  return ic;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ic-experiment-'));
  corpus = join(root, 'turbines');
  mkdirSync(corpus);
  for (const t of TURBINES) writeFileSync(join(corpus, `${t.name.toLowerCase()}.md`), turbineDoc(t));
  dataset = join(root, 'questions.jsonl');
  writeFileSync(dataset, QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n');
});

afterAll(async () => {
  for (const ic of opened) await ic.close();
});

const row = (r: ChunkingExperimentResult, strategy: string, size: number) => {
  const found = r.rows.find((x) => x.strategy === strategy && x.size === size);
  if (!found) throw new Error(`no row ${strategy} ${size}`);
  return found;
};

describe('chunking experiment', () => {
  it('scores every strategy × size on a real corpus, every figure within [0, 1]', async () => {
    const ic = openProject();
    const events: string[] = [];
    const r = await runChunkingExperiment(ic, { dataset, corpus, sizes: [32, 256], onProgress: (e) => events.push(e.phase) });
    expect(r.rows.map((x) => `${x.strategy}:${x.size}`)).toEqual(['recursive', 'sentence', 'markdown', 'semantic', 'parent'].flatMap((s) => [`${s}:32`, `${s}:256`]));
    expect(r.dataset).toMatchObject({ questions: 6, judged: 6, unjudged: 0, byAnswers: 0 });
    expect(r.corpus.documents).toBe(5);
    for (const x of r.rows) {
      for (const v of [x.hit1, x.hit5, x.hit10, x.mrr, x.ndcg10, x.recall10, x.answerInContext ?? -1]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(x.hit1).toBeLessThanOrEqual(x.hit5);
      expect(x.chunks).toBeGreaterThanOrEqual(5);
    }
    // Smaller chunks make more of them; parents return their section, so the context grows.
    expect(row(r, 'recursive', 32).chunks).toBeGreaterThan(row(r, 'recursive', 256).chunks);
    expect(row(r, 'parent', 32).contextTokens).toBeGreaterThan(row(r, 'recursive', 32).contextTokens);
    expect(r.best.ndcg10).toBe(Math.max(...r.rows.map((x) => x.ndcg10)));
    expect(r.best.pVsBest).toBeNull();
    for (const x of r.rows.filter((y) => y !== r.best)) {
      expect(x.pVsBest).toBeGreaterThan(0);
      expect(x.pVsBest).toBeLessThanOrEqual(1);
    }
    expect(r.tied).toContain(r.best);
    expect(r.configYaml).toContain(`chunk:\n  strategy: ${r.best.chunk.strategy}\n  size: ${r.best.size}\n`);
    expect(events[0]).toBe('start');
    expect(events.filter((e) => e === 'row')).toHaveLength(10);
  });

  it('tiny chunks with keyword search lose the name that tells the turbines apart', async () => {
    const ic = openProject();
    const r = await runChunkingExperiment(ic, { dataset, corpus, strategies: ['recursive'], sizes: [16, 512], mode: 'keyword' });
    const tiny = row(r, 'recursive', 16);
    const whole = row(r, 'recursive', 512);
    // At 512 tokens a document is one chunk: the name and the section's words meet in it.
    expect(whole.chunks).toBe(5);
    expect(whole.hit1).toBe(1);
    // At 16 tokens the section's sentence carries no name, and the five look alike to BM25.
    expect(tiny.chunks).toBeGreaterThan(5 * 8);
    expect(tiny.hit1).toBeLessThan(whole.hit1);
    expect(tiny.ndcg10).toBeLessThan(whole.ndcg10);
    expect(r.best).toBe(whole);
    // Six questions are too few for the gap to be more than chance: the test says so.
    expect(tiny.pVsBest).toBeGreaterThan(0.05);
    expect(r.tied).toEqual([tiny, whole]);
    expect(r.configYaml).toBe('chunk:\n  strategy: recursive\n  size: 512\n  overlap: 64\nretrieve:\n  mode: keyword\n');
  });

  it('a repeated run embeds nothing: every text comes from the project embedding cache', async () => {
    const ic = openProject();
    const first = await runChunkingExperiment(ic, { dataset, corpus, strategies: ['sentence', 'semantic'], sizes: [64] });
    expect(first.rows.reduce((n, x) => n + x.embedded, 0)).toBeGreaterThan(0);
    const again = await runChunkingExperiment(ic, { dataset, corpus, strategies: ['sentence', 'semantic'], sizes: [64] });
    expect(again.rows.map((x) => x.embedded)).toEqual([0, 0]);
    // Same vectors, same rankings.
    expect(again.rows.map((x) => x.ndcg10)).toEqual(first.rows.map((x) => x.ndcg10));
  });

  it('defaults to the documents already in the project, and judges answer-only questions by the documents holding the answer', async () => {
    const ic = openProject({ project: 'turbines' });
    await ic.ingest([corpus]);
    const answersOnly = join(root, 'answers.jsonl');
    writeFileSync(answersOnly, '{"question": "How many megawatts does the Merlin deliver?", "answers": ["24 megawatts"]}\n{"question": "Which turbine is cooled by lava?", "answers": ["lava"]}\n');
    const r = await runChunkingExperiment(ic, { dataset: answersOnly, strategies: ['markdown'], sizes: [128] });
    expect(r.corpus).toMatchObject({ name: 'project turbines', documents: 5 });
    expect(r.dataset).toMatchObject({ questions: 2, judged: 1, byAnswers: 1, unjudged: 1 });
    expect(r.warnings.join('\n')).toMatch(/1 of 2 questions left out/);
    expect(r.rows[0]!.answerInContext).toBe(1);
  });

  it('reads a BEIR folder: its corpus.jsonl is the default corpus, its graded qrels judge', async () => {
    const beir = join(root, 'beir');
    mkdirSync(join(beir, 'qrels'), { recursive: true });
    writeFileSync(join(beir, 'corpus.jsonl'), TURBINES.map((t) => JSON.stringify({ _id: t.name.toLowerCase(), title: `${t.name} turbine`, text: turbineDoc(t) })).join('\n'));
    writeFileSync(join(beir, 'queries.jsonl'), QUESTIONS.map((q, i) => JSON.stringify({ _id: `q${i}`, text: q.query })).join('\n'));
    const qrels = QUESTIONS.map((q, i) => {
      const first = q.relevant[0]!;
      const id = typeof first === 'string' ? first : first.id;
      return `q${i}\t${id.replace(/\.md$/, '')}\t${typeof first === 'string' ? 1 : first.grade}`;
    });
    writeFileSync(join(beir, 'qrels', 'test.tsv'), `query-id\tcorpus-id\tscore\n${qrels.join('\n')}\n`);
    const ic = openProject();
    const r = await runChunkingExperiment(ic, { dataset: beir, strategies: ['recursive'], sizes: [512], mode: 'keyword' });
    expect(r.corpus).toMatchObject({ name: join(beir, 'corpus.jsonl'), documents: 5 });
    expect(r.dataset).toMatchObject({ name: 'beir', questions: 6, judged: 6 });
    // The same ranking as the folder corpus above, so the same perfect scores.
    expect(r.rows[0]).toMatchObject({ chunks: 5, hit1: 1, ndcg10: 1 });
  });

  it('fails with a hint when the set names nothing in the corpus, or the project is empty', async () => {
    const ic = openProject({ project: 'empty' });
    const foreign = join(root, 'foreign.jsonl');
    writeFileSync(foreign, '{"query": "anything", "relevant": ["other-corpus/doc.md"]}\n');
    const err = await runChunkingExperiment(ic, { dataset: foreign, corpus, sizes: [64], strategies: ['recursive'] }).catch((e: unknown) => e);
    expect(IncontextError.isInstance(err) && err.code).toBe('BAD_REQUEST');
    expect((err as IncontextError).hint).toMatch(/document ids or sources of the corpus/);
    const empty = await runChunkingExperiment(ic, { dataset }).catch((e: unknown) => e);
    expect(IncontextError.isInstance(empty) && empty.code).toBe('NOT_FOUND');
    const bad = await runChunkingExperiment(ic, { dataset, corpus, strategies: ['fixed' as never] }).catch((e: unknown) => e);
    expect(IncontextError.isInstance(bad) && bad.input?.key).toBe('strategies');
  });
});
