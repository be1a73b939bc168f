import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/helpers.js';
import { loadFile } from './index.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/make-doc-fixtures.ts', import.meta.url).pathname;

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

/** The script as the lead engineer runs it (tsx on the pinned Node), not its functions. */
async function script(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('scripts/make-doc-fixtures.ts', () => {
  it('writes a PDF, a DOCX and an HTML page that load back to the same content', async () => {
    const md = await tmp.file(
      'handbook.md',
      '---\ntitle: Support handbook\n---\n# Support handbook\n\nAnswer tickets within one business day.\n\n## Escalation\n\nPage the on-call engineer for outages.\n',
    );
    for (const ext of ['pdf', 'docx', 'html']) {
      const out = join(tmp.dir, `handbook.${ext}`);
      const r = await script(md, out);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(out);
      const [doc] = await loadFile(out, { root: tmp.dir });
      expect(doc?.format).toBe(ext);
      expect(doc?.title).toBe('Support handbook');
      expect(doc?.text).toContain('Answer tickets within one business day.');
      expect(doc?.text).toContain('Page the on-call engineer for outages.');
      expect(doc?.text).toMatch(/Escalation\n\nPage the on-call/);
    }
    expect((await readFile(join(tmp.dir, 'handbook.pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('exits 2 with usage on missing arguments and 1 on an unknown output type', async () => {
    const usage = await script();
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage:');
    const md = await tmp.file('x.md', '# X\n\ntext');
    const bad = await script(md, join(tmp.dir, 'x.rtf'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('.rtf');
  });
});
