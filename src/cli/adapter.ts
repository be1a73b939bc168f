import { Option, type Command } from 'commander';
import type { AdapterSource, AdapterTrainReport, RankingMetrics } from '../app/index.js';
import { open } from './commands.js';
import { EXIT, printJson, usageError } from './output.js';

interface TrainFlags {
  from: AdapterSource;
  file?: string;
  holdOut?: number;
  force?: boolean;
  generator?: 'cloze' | 'model';
  count?: number;
  seed?: number;
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw usageError(`--hold-out must be a number in [0, 1), got "${v}"`);
  return n;
}

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

const row = (name: string, m: RankingMetrics) => `  ${name.padEnd(8)} hit@5 ${m.hit5.toFixed(3)}  MRR ${m.mrr.toFixed(3)}  nDCG@10 ${m.ndcg10.toFixed(3)}\n`;

function printReport(r: AdapterTrainReport): void {
  process.stdout.write(
    `${r.questions} questions from ${r.from} (${r.trainQuestions} trained on, ${r.heldOut} held apart${r.skipped ? `, ${r.skipped} skipped` : ''}); ` +
      `${r.training.epochs} epochs, kept epoch ${r.training.bestEpoch}, ${(r.ms / 1000).toFixed(1)} s\n` +
      row('before', r.before) +
      row('after', r.after) +
      `${r.reason}${r.path ? `\n  ${r.path}` : ''}\n`,
  );
}

/** `incontext adapter train|show|remove`: the project's fine-tuned query embeddings. */
export function registerAdapterCommands(program: Command, setExit: (code: number) => void): void {
  const adapter = program.command('adapter').description("a linear adapter over the embedder, learned from the project's questions, applied to query embeddings of search and ask");

  adapter
    .command('train')
    .description('train an adapter and measure it on held-apart questions; saved only when nDCG@10 improves (or with --force); exit 1 when not saved')
    .addOption(new Option('--from <source>', 'where the (question, passage) pairs come from').choices(['synthetic', 'feedback', 'file']).default('synthetic'))
    .option('--file <path>', 'with --from file: JSONL lines of {"query": "...", "relevant": ["<document id, chunk id or passage text>"]}')
    .option('--hold-out <share>', 'share of the questions held apart to measure before/after', fraction, 0.2)
    .addOption(new Option('--generator <kind>', 'with --from synthetic: cloze (a sentence cut from each chunk, no model) or model (the configured model writes questions)').choices(['cloze', 'model']).default('cloze'))
    .option('--count <n>', 'with --from synthetic: how many questions (default 2000 cloze, 200 model)', positive('count'))
    .option('--seed <n>', 'random seed (same data and seed, same adapter)', positive('seed'))
    .option('--force', 'save the adapter even when it does not improve the held-apart questions')
    .action(async function (this: Command, o: TrainFlags) {
      if (o.from === 'file' && !o.file) throw usageError('--from file needs --file <path>', 'Example: incontext adapter train --from file --file questions.jsonl');
      const { ic, json } = open(this);
      try {
        const report = await ic.trainAdapter({
          from: o.from,
          ...(o.file ? { file: o.file } : {}),
          ...(o.holdOut !== undefined ? { holdOut: o.holdOut } : {}),
          ...(o.force ? { force: true } : {}),
          ...(o.generator ? { generator: o.generator } : {}),
          ...(o.count !== undefined ? { count: o.count } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
        });
        if (json) printJson(report);
        else printReport(report);
        if (!report.saved) setExit(EXIT.failed);
      } finally {
        await ic.close();
      }
    });

  adapter
    .command('show')
    .description("the project's adapter for the current embedder: version, size, how far it moves queries, what training measured; exit 1 when there is none")
    .action(async function (this: Command) {
      const { ic, json } = open(this);
      try {
        const info = await ic.adapterInfo();
        if (json) printJson(info ?? null);
        else if (!info) process.stdout.write('no adapter for this project and embedder: run incontext adapter train\n');
        else {
          const n = info.training?.notes;
          process.stdout.write(
            `adapter ${info.version} for ${info.embedder} (${info.dimensions} dimensions${info.bias ? ', bias' : ''}), created ${info.createdAt}\n` +
              `  drift from identity ${info.drift.toFixed(4)}; trained on ${info.training?.pairs ?? '?'} pairs${n?.source ? ` from ${String(n.source)}` : ''}\n` +
              (n && typeof n.ndcg10Before === 'number' ? `  held-apart nDCG@10 ${Number(n.ndcg10Before).toFixed(3)} → ${Number(n.ndcg10After).toFixed(3)} on ${String(n.heldOut)} questions\n` : '') +
              `  ${info.path}\n`,
          );
        }
        if (!info) setExit(EXIT.failed);
      } finally {
        await ic.close();
      }
    });

  adapter
    .command('remove')
    .description("delete the project's adapter for the current embedder (queries are embedded plainly again; nothing needs re-embedding)")
    .action(async function (this: Command) {
      const { ic, json } = open(this);
      try {
        const removed = await ic.removeAdapter();
        if (json) printJson({ removed });
        else process.stdout.write(removed ? 'adapter removed\n' : 'no adapter to remove\n');
      } finally {
        await ic.close();
      }
    });
}
