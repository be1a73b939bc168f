/**
 * `incontext adapter train|show|remove` run from the built CLI (`npm run build` first,
 * as the test command does) on a temporary home, exactly as a user would.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../../test/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'src', 'embed', '__fixtures__');

let cwd: string;
beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist', 'cli', 'adapter.js')), 'run npm run build before the CLI tests').toBe(true);
  cwd = mkdtempSync(join(tmpdir(), 'ic-cli-adapter-'));
  const docs = readFileSync(join(FIXTURES, 'adapter-corpus.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { id: string; text: string });
  mkdirSync(join(cwd, 'corpus'));
  for (const d of docs) writeFileSync(join(cwd, 'corpus', `${d.id.replace('#', '-')}.txt`), d.text);
  const textOf = new Map(docs.map((d) => [d.id, d.text]));
  const questions = readFileSync(join(FIXTURES, 'adapter-questions.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { query: string; doc: string });
  writeFileSync(join(cwd, 'questions.jsonl'), questions.map((q) => JSON.stringify({ query: q.query, relevant: [textOf.get(q.doc)] })).join('\n'));
  // Plain vector search: the default reranker would need the GloVe cache, which this test does not build.
  writeFileSync(join(cwd, 'incontext.config.json'), JSON.stringify({ retrieve: { steps: [] } }));
  expect((await cli(cwd, ['ingest', 'corpus', '--json'])).code).toBe(0);
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('incontext adapter', () => {
  it('show before training says there is none and exits 1', async () => {
    const r = await cli(cwd, ['adapter', 'show']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no adapter/);
  });

  it('train --from file --json reports before/after on held-apart questions and saves it', async () => {
    const r = await cli(cwd, ['adapter', 'train', '--from', 'file', '--file', 'questions.jsonl', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { saved: boolean; path: string; version: string; before: { ndcg10: number }; after: { ndcg10: number }; heldOut: number };
    expect(report.saved).toBe(true);
    expect(report.heldOut).toBeGreaterThan(30);
    expect(report.after.ndcg10).toBeGreaterThan(report.before.ndcg10);
    expect(existsSync(report.path)).toBe(true);
    const shown = JSON.parse((await cli(cwd, ['adapter', 'show', '--json'])).stdout) as { version: string; embedder: string };
    expect(shown).toMatchObject({ version: report.version, embedder: 'local:hash-384' });
    const human = await cli(cwd, ['adapter', 'show']);
    expect(human.stdout).toContain(`adapter ${report.version} for local:hash-384`);
    expect(human.stdout).toMatch(/held-apart nDCG@10 \d\.\d{3} → \d\.\d{3}/);
    const explained = JSON.parse((await cli(cwd, ['ask', 'Who was Rollo?', '--explain', '--json'])).stdout) as { queryAdapter?: string };
    expect(explained.queryAdapter).toBe(report.version);
  });

  it('remove deletes it; bad usage exits 2', async () => {
    expect(JSON.parse((await cli(cwd, ['adapter', 'remove', '--json'])).stdout)).toEqual({ removed: true });
    expect((await cli(cwd, ['adapter', 'remove'])).stdout).toMatch(/no adapter to remove/);
    expect((await cli(cwd, ['adapter', 'train', '--from', 'file'])).code).toBe(2);
    expect((await cli(cwd, ['adapter', 'train', '--from', 'nowhere'])).code).toBe(2);
    expect((await cli(cwd, ['adapter', 'train', '--hold-out', '1.5'])).code).toBe(2);
  });
});
