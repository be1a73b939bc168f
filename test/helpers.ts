import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createIncontext, type ConfigInput, type Incontext } from '../src/app/index.js';

export function tempDir(prefix = 'ic-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
  }
}

/** Real prose on distinct topics, so retrieval has something to tell apart. */
export const CORPUS: Record<string, string> = {
  'normans.md': `# The Normans

The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France. They were descended from Norse raiders and pirates from Denmark, Iceland and Norway who, under their leader Rollo, agreed to swear fealty to King Charles III of West Francia.

## Conquest of England

In 1066 William the Conqueror, Duke of Normandy, invaded England and defeated King Harold II at the Battle of Hastings. The Norman conquest changed the English language, law and architecture for centuries.
`,
  'photosynthesis.txt': `Photosynthesis is the process by which green plants use sunlight to synthesize food from carbon dioxide and water. It takes place mainly in the chloroplasts of leaf cells, where chlorophyll absorbs light energy.

The light-dependent reactions split water molecules and release oxygen as a by-product. The Calvin cycle then fixes carbon dioxide into sugars.`,
  'guides/rust.md': `# Ownership in Rust

Rust manages memory through ownership: every value has a single owner, and the value is dropped when the owner goes out of scope. Borrowing lets code use a value without taking ownership, and the borrow checker enforces that references never outlive the data they point to.
`,
  'faq.csv': 'question,answer,year\nWhat is the capital of Australia?,Canberra is the capital of Australia.,2020\nHow tall is Mount Everest?,Mount Everest is 8849 metres tall.,2021\n',
};

export function openTemp(config: ConfigInput = {}, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { ic: Incontext; cwd: string } {
  const cwd = options.cwd ?? tempDir();
  const ic = createIncontext({
    cwd,
    env: options.env ?? {},
    config: { home: join(cwd, '.incontext'), embed: { model: 'local:hash' }, logLevel: 'silent', ...config },
  });
  return { ic, cwd };
}

const run = promisify(execFile);
export const CLI_BIN = join(import.meta.dirname, '..', 'bin', 'incontext.js');

/** Runs the built CLI exactly as a user would (needs `npm run build` first, as the test command does). */
export async function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI_BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', INCONTEXT_EMBED_MODEL: 'local:hash', INCONTEXT_LOG_LEVEL: 'silent', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
