import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('the published package shape', () => {
  it('resolves incontext, incontext/server and incontext/testing from the built dist through the exports map', async () => {
    expect(existsSync(join(root, 'dist', 'app', 'index.js')), 'run npm run build first').toBe(true);
    const script = `
      const main = await import('incontext');
      const server = await import('incontext/server');
      const testing = await import('incontext/testing');
      const err = new main.IncontextError('BAD_REQUEST', 'x');
      console.log(JSON.stringify({
        createIncontext: typeof main.createIncontext,
        createServerApp: typeof server.createServerApp,
        startFakeUpstream: typeof testing.startFakeUpstream,
        recognised: main.IncontextError.isInstance(err) && main.IncontextError.isInstance({ ...err, [Symbol.for('incontext.error')]: true }),
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ createIncontext: 'function', createServerApp: 'function', startFakeUpstream: 'function', recognised: true });
  });
});
