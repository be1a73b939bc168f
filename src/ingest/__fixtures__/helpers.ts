import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncontextError } from '../../core/index.js';

export const FIXTURES = new URL('.', import.meta.url).pathname;

/** A real 1×1 PNG: the smallest honest binary file. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export async function tempDir(): Promise<{ dir: string; file: (name: string, data: string | Uint8Array) => Promise<string>; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'incontext-ingest-'));
  return {
    dir,
    file: async (name, data) => {
      const path = join(dir, name);
      await writeFile(path, data);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Run `fn`, require an IncontextError, and return it for further assertions. */
export async function failure(fn: () => Promise<unknown>): Promise<IncontextError> {
  try {
    await fn();
  } catch (err) {
    if (IncontextError.isInstance(err)) return err;
    throw new Error(`expected an IncontextError, got: ${String(err)}`, { cause: err });
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A Markdown document long enough to span several PDF pages. */
export function longMarkdown(paragraphs: number): string {
  const body = Array.from(
    { length: paragraphs },
    (_, i) => `Paragraph ${i + 1} covers clause ${i + 1} of the service agreement, with enough words that the line has to wrap in the PDF.`,
  );
  return `# Service agreement\n\n${body.slice(0, paragraphs / 2).join('\n\n')}\n\n## Termination\n\n${body.slice(paragraphs / 2).join('\n\n')}\n\nThe final sentence mentions the zebra clause.\n`;
}
