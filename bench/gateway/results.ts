/**
 * Writes one "## Heading" block of bench/RESULTS.md in place, between markers, so
 * `npm run bench:gateway -- --write` and `npm run bench:cache -- --write` each
 * replace only their own section and never the figures of other sections.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { renderMarkdown, ROOT, type Table } from '../lib.js';

export const RESULTS = join(ROOT, 'bench', 'RESULTS.md');

export function machineLines(extra: string[] = []): string[] {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores (nproc); RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version} on ${process.platform}/${process.arch}`,
    `- Load average at the start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (the machine is shared by several engineers; read the ratios measured in one run)`,
    ...extra,
  ];
}

/**
 * Heading, intro, the tables' one-line summaries, the hand-written reading of
 * the figures (`analysis`, kept in the bench folder so a re-run keeps it), then the tables.
 */
export function sectionMarkdown(heading: string, intro: string[], tables: Table[], analysis?: URL): string {
  const reading = analysis && existsSync(analysis) ? ['', readFileSync(analysis, 'utf8').trimEnd()] : [];
  return [
    `## ${heading}`,
    '',
    ...intro,
    '',
    ...tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : [])),
    ...reading,
    '',
    ...tables.flatMap((t) => [renderMarkdown(t), '']),
  ].join('\n');
}

/** Replace the block for `heading` (or append it at the end). */
export function writeResultsBlock(heading: string, markdown: string): void {
  const start = `<!-- ${heading.toLowerCase()}:start -->`;
  const end = `<!-- ${heading.toLowerCase()}:end -->`;
  const block = `${start}\n${markdown.trimEnd()}\n${end}`;
  const current = readFileSync(RESULTS, 'utf8');
  const a = current.indexOf(start);
  const b = current.indexOf(end);
  const next = a >= 0 && b > a ? `${current.slice(0, a)}${block}${current.slice(b + end.length)}` : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, next);
}
