import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../../test/helpers.js';

const DOCS: Record<string, string> = {
  'ingest.md': '# Ingesting\n\nRun incontext ingest with a folder. PDF files are read with unpdf, Word files with mammoth, and unchanged files are skipped by their content hash.\n',
  'search.md': '# Searching\n\nHybrid search fuses BM25 keyword scores from SQLite FTS5 with vector similarity using reciprocal rank fusion.\n',
  'serve.md': '# Serving\n\nThe server listens on port 8686 and speaks the OpenAI chat completions protocol under /v1.\n',
};

let cwd: string;
beforeAll(() => {
  expect(existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'experiment.js')), 'run npm run build before the CLI tests').toBe(true);
  cwd = mkdtempSync(join(tmpdir(), 'ic-cli-experiment-'));
  mkdirSync(join(cwd, 'docs'));
  for (const [name, text] of Object.entries(DOCS)) writeFileSync(join(cwd, 'docs', name), text);
  writeFileSync(
    join(cwd, 'qa.jsonl'),
    [
      { query: 'which library reads PDF files', relevant: ['ingest.md'] },
      { query: 'reciprocal rank fusion of BM25 and vectors', relevant: ['search'] },
      { query: 'what port does the server listen on', relevant: ['docs/serve.md'], answers: ['8686'] },
    ]
      .map((q) => JSON.stringify(q))
      .join('\n'),
  );
});

describe('incontext experiment chunking', () => {
  it('--json gives a row per strategy × size, the best and its config lines; progress goes to stderr', async () => {
    const r = await cli(cwd, ['experiment', 'chunking', '--dataset', 'qa.jsonl', '--corpus', 'docs', '--strategies', 'recursive,markdown', '--sizes', '32,128', '--mode', 'keyword', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: Array<{ strategy: string; size: number; ndcg10: number; hit1: number }>; best: { strategy: string; size: number; ndcg10: number }; configYaml: string; mode: string; dataset: { judged: number } };
    expect(out.rows.map((x) => `${x.strategy} ${x.size}`)).toEqual(['recursive 32', 'recursive 128', 'markdown 32', 'markdown 128']);
    expect(out.dataset.judged).toBe(3);
    expect(out.mode).toBe('keyword');
    for (const x of out.rows) {
      expect(x.ndcg10).toBeGreaterThanOrEqual(0);
      expect(x.ndcg10).toBeLessThanOrEqual(1);
    }
    expect(out.best.ndcg10).toBe(Math.max(...out.rows.map((x) => x.ndcg10)));
    expect(out.configYaml).toMatch(new RegExp(`^chunk:\\n  strategy: ${out.best.strategy}\\n  size: ${out.best.size}\\n`));
    expect(out.configYaml).toContain('retrieve:\n  mode: keyword\n');
    expect(r.stderr).toMatch(/experiment: 3 documents, 3 questions \(3 judged\), 4 settings/);
    expect(r.stderr).toMatch(/\[4\/4\] markdown 128: \d+ chunks, nDCG@10/);
  });

  it('prints the table and the lines for incontext.config.yaml', async () => {
    const r = await cli(cwd, ['experiment', 'chunking', '--dataset', 'qa.jsonl', '--corpus', 'docs', '--strategies', 'sentence', '--sizes', '64', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/strategy\s+size\s+chunks\s+hit@1\s+hit@5\s+MRR\s+nDCG@10\s+p vs best\s+answer@5\s+ctx tokens\s+ingest s/);
    expect(r.stdout).toMatch(/^\* sentence\s+64\s+3\s/m);
    expect(r.stdout).toContain('best: sentence 64');
    expect(r.stdout).toContain('  chunk:\n    strategy: sentence\n    size: 64\n    overlap: 8\n');
  });

  it('a malformed dataset row fails with its file and line; bad flags are usage errors', async () => {
    writeFileSync(join(cwd, 'bad.jsonl'), '{"query": "ok", "relevant": ["ingest.md"]}\n{"query": "no judgement"}\n');
    const bad = await cli(cwd, ['experiment', 'chunking', '--dataset', 'bad.jsonl', '--corpus', 'docs', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'PARSE_FAILED', input: { path: 'bad.jsonl', line: 2, key: 'relevant' } } });
    const usage = await cli(cwd, ['experiment', 'chunking', '--dataset', 'qa.jsonl', '--strategies', 'fixed']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown fixed/);
    expect((await cli(cwd, ['experiment', 'chunking'])).code).toBe(2);
  });
});
