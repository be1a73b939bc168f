/**
 * Gateway benchmark: the overhead createGateway adds to an in-process model call,
 * HTTP throughput of incontext's /v1 pass-through side by side with Portkey's
 * gateway on the same fake upstream, and the response cache's hit latency.
 *
 *   npm run bench -- gateway          (as one section of the full benchmark)
 *   npm run bench:gateway [-- --quick] [-- --write]
 *
 * --quick shortens every run (a harness check, not figures); --write replaces the
 * "Gateway" block of bench/RESULTS.md.
 */
import { pathToFileURL } from 'node:url';
import { log, msSince, now, renderText, type Section, type Table } from '../lib.js';
import { measureCacheSpeed } from '../cache/speed.js';
import { measureOverhead } from './overhead.js';
import { portkeyVersion, startUpstreamProcess } from './processes.js';
import { machineLines, sectionMarkdown, writeResultsBlock } from './results.js';
import { measureThroughput } from './throughput.js';

export async function runGateway(quick = false): Promise<Table[]> {
  const upstream = await startUpstreamProcess();
  try {
    const overhead = await measureOverhead(upstream.url, quick ? { calls: 200, warmup: 50 } : { calls: 800, warmup: 100 });
    const throughput = await measureThroughput(upstream, quick ? { connections: 10, durationS: 1, warmupS: 1, rounds: 1 } : { connections: 10, durationS: 4, warmupS: 2, rounds: 3 });
    const cache = await measureCacheSpeed(quick ? { entries: 10_000, queries: 50 } : { entries: 100_000, queries: 120 });
    return [overhead, throughput, ...cache];
  } finally {
    await upstream.stop();
  }
}

export const gatewaySection: Section = {
  name: 'gateway',
  title: 'gateway overhead, HTTP throughput vs Portkey, cache hit latency',
  run: () => runGateway(false),
};

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = now();
  const tables = await runGateway(quick);
  for (const t of tables) process.stdout.write(`${renderText(t)}\n`);
  const summary = tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : []));
  process.stdout.write(`\n== Summary ==\n${summary.join('\n')}\n`);
  if (process.argv.includes('--write')) {
    if (quick) throw new Error('--quick runs are harness checks; run without --quick to --write figures.');
    const intro = [
      `\`npm run bench:gateway -- --write\` on ${new Date().toISOString().slice(0, 10)} (${(msSince(started) / 1000).toFixed(0)} s); also a section of \`npm run bench\`. Goals (issue 4): ≥ 2× Portkey's requests/s, ≤ 1 ms added p50, exact-cache hit ≤ 0.2 ms p50 in process, semantic hit ≤ 2 ms at 100k entries.`,
      '',
      ...machineLines([`- Peers: @portkey-ai/gateway ${portkeyVersion()}, load generator autocannon`]),
    ];
    writeResultsBlock('Gateway', sectionMarkdown('Gateway', intro, tables, new URL('./analysis.md', import.meta.url)));
    log('wrote the Gateway block of bench/RESULTS.md');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
