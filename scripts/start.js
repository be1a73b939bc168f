// `npm start`: build if needed, ingest the demo corpus in docs/, serve API + page on :8686.
// Runs on the repo's pinned Node (npm puts node_modules/.bin first on PATH).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stamp = join(root, 'dist', 'cli', 'index.js');
if (!existsSync(stamp) || newest(join(root, 'src')) > statSync(stamp).mtimeMs) {
  console.log('building…');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

const { main } = await import('../dist/cli/index.js');
const port = process.env.INCONTEXT_PORT ?? '8686';
console.log('ingesting the demo corpus in docs/ (the first run also builds the local word-vector cache)…');
const code = await main(['node', 'incontext', 'ingest', 'docs', '--prune']);
if (code !== 0) console.log('some files failed to ingest (see above); serving the rest.');
await main(['node', 'incontext', 'serve', '--port', port]);
console.log(`
  open   http://localhost:${port}
  curl   curl -s localhost:${port}/api/ask -H 'content-type: application/json' -d '{"question":"How do I ingest a folder of PDFs?"}'
  cli    npx incontext ask "How do I switch to an OpenAI model?"
`);
