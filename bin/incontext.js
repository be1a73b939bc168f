#!/usr/bin/env node
// The CLI entry: built code in dist/. Node 22+ (better-sqlite3 13 and the AI SDK need it).
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`incontext needs Node.js 22 or newer (this is ${process.version}). Run it through npx or npm scripts in the repo, which use the pinned Node 24.\n`);
  process.exit(2);
}
const { main } = await import('../dist/cli/index.js');
const code = await main(process.argv);
if (code !== 0 || !process.argv.includes('serve')) process.exitCode = code;
