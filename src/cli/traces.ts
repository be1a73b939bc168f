import type { Command } from 'commander';
import { open } from './commands.js';
import { printJson, usageError } from './output.js';

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function registerTraceCommands(program: Command): void {
  program
    .command('traces')
    .description('recent traces of the project (every ask is traced): time, status, model, tokens, cost, latency')
    .option('--limit <n>', 'how many', positive('limit'), 20)
    .option('--model <spec>', 'only traces that used this model')
    .option('--status <status>', 'ok or error')
    .action(async function (this: Command, o: { limit: number; model?: string; status?: 'ok' | 'error' }) {
      const { ic, json } = open(this);
      try {
        const page = await ic.traces.listTraces(ic.config.project, { limit: o.limit, ...(o.model ? { model: o.model } : {}), ...(o.status ? { status: o.status } : {}) });
        if (json) return printJson(page);
        if (!page.traces.length) return void process.stdout.write('no traces yet: run incontext ask first\n');
        for (const t of page.traces) {
          const when = new Date(t.startTime).toISOString().replace('T', ' ').slice(0, 19);
          process.stdout.write(`${when}  ${t.status.padEnd(5)} ${String(t.durationMs).padStart(6)} ms  ${String(t.inputTokens + t.outputTokens).padStart(6)} tok  $${t.costUsd.toFixed(6)}  ${t.models.join(',')}  ${t.traceId}\n`);
        }
      } finally {
        await ic.close();
      }
    });

  program
    .command('stats')
    .description('cost per day and model, latency p50/p95, error and cache rates, tokens, month-end forecast, drift of questions and feedback')
    .option('--days <n>', 'window in days', positive('days'), 30)
    .action(async function (this: Command, o: { days: number }) {
      const { ic, json } = open(this);
      try {
        const s = await ic.stats({ days: o.days });
        if (json) return printJson(s);
        process.stdout.write(
          `last ${o.days} days: ${s.traces} traces, ${s.llmCalls} model calls, error rate ${(s.errorRate * 100).toFixed(1)}%, cache hit rate ${(s.cacheHitRate * 100).toFixed(1)}%\n` +
            `latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms; tokens ${s.tokens.input} in / ${s.tokens.output} out; cost $${s.costUsd.toFixed(4)}\n` +
            `forecast for ${s.forecast.month}: $${s.forecast.forecastUsd.toFixed(4)} (spent $${s.forecast.spentUsd.toFixed(4)})\n`,
        );
        for (const m of s.costPerModel) process.stdout.write(`  ${m.model.padEnd(32)} ${String(m.calls).padStart(5)} calls  $${m.costUsd.toFixed(4)}\n`);
        const d = s.drift;
        const fixed = (v: number | null, n = 3) => (v === null ? 'n/a' : v.toFixed(n));
        process.stdout.write(
          `drift, last 7 days vs the 7 before: questions ${d.inputs.thisWeek} vs ${d.inputs.lastWeek}, centroid distance ${fixed(d.inputs.centroidDistance, 4)} (noise ${fixed(d.inputs.baseline, 4)}); ` +
            `feedback ${fixed(d.feedback.thisWeek, 2)} vs ${fixed(d.feedback.lastWeek, 2)}\n`,
        );
      } finally {
        await ic.close();
      }
    });
}
