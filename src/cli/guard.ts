import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { IncontextError } from '../core/index.js';
import { createInjectionDetector, detectPii, PII_LABELS, redactPii, type GuardPolicy, type PiiLabel } from '../guard/index.js';
import { printJson, usageError } from './output.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw usageError('Nothing on standard input', 'Pipe text in, e.g. echo "call me at 010-1234-5678" | incontext pii redact');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `{"text": ...}` per line; the line number names a bad line. */
function* jsonlTexts(path: string): Generator<{ id?: unknown; text: string }> {
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let row: { id?: unknown; text?: unknown };
    try {
      row = JSON.parse(line) as { id?: unknown; text?: unknown };
    } catch {
      throw new IncontextError('BAD_REQUEST', 'Invalid JSON line', { input: { path, line: i + 1 }, hint: 'Each line must be {"text": "..."} (an "id" is echoed back).' });
    }
    if (typeof row.text !== 'string') throw new IncontextError('BAD_REQUEST', 'Missing "text" string', { input: { path, line: i + 1 }, hint: 'Each line must be {"text": "..."}.' });
    yield row.id === undefined ? { text: row.text } : { id: row.id, text: row.text };
  }
}

const policyOption = () => new Option('--policy <policy>', 'detection threshold preset').choices(['strict', 'balanced', 'permissive']).default('balanced');

export function registerGuardCommands(program: Command): void {
  const guard = program.command('guard').description('prompt-injection and jailbreak detection, local and offline');
  guard
    .command('check')
    .description('score one text: {flagged, score, signals}')
    .argument('<text>', 'the text to check')
    .addOption(policyOption())
    .action(function (this: Command, text: string, o: { policy: GuardPolicy }) {
      const r = createInjectionDetector({ policy: o.policy }).scan(text);
      if (this.optsWithGlobals<{ json?: boolean }>().json) printJson(r);
      else {
        process.stdout.write(`${r.flagged ? 'FLAGGED' : 'ok'}  score ${r.score.toFixed(3)}\n`);
        for (const s of r.signals.filter((x) => x.score > 0)) process.stdout.write(`  ${s.name.padEnd(24)} ${s.score.toFixed(3)}${s.detail ? `  ${s.detail}` : ''}\n`);
      }
    });
  guard
    .command('scan')
    .description('score every {text} line of a JSONL file; prints one {id?, flagged, score} line per input line')
    .requiredOption('--jsonl <file>', 'input file, one {"text": ...} object per line')
    .addOption(policyOption())
    .action((o: { jsonl: string; policy: GuardPolicy }) => {
      const detector = createInjectionDetector({ policy: o.policy });
      for (const row of jsonlTexts(o.jsonl)) {
        const r = detector.scan(row.text);
        process.stdout.write(JSON.stringify({ ...(row.id === undefined ? {} : { id: row.id }), flagged: r.flagged, score: r.score }) + '\n');
      }
    });

  const pii = program.command('pii').description('PII detection and redaction, local and offline');
  pii
    .command('redact')
    .description('read text on stdin, write it redacted to stdout (--json: {text, spans:[{start, end, label}]})')
    .addOption(new Option('--action <action>', 'how to replace PII').choices(['redact', 'mask', 'hash', 'tokenize']).default('redact'))
    .option('--labels <labels...>', `only these labels (${PII_LABELS.join(', ')})`)
    .option('--salt <salt>', 'salt for --action hash (default: INCONTEXT_PII_SALT)')
    .action(async function (this: Command, o: { action: 'redact' | 'mask' | 'hash' | 'tokenize'; labels?: string[]; salt?: string }) {
      const bad = o.labels?.filter((l) => !(PII_LABELS as readonly string[]).includes(l)) ?? [];
      if (bad.length) throw usageError(`Unknown PII label(s): ${bad.join(', ')}`, `Allowed: ${PII_LABELS.join(', ')}`);
      const text = await readStdin();
      const spans = detectPii(text, o.labels ? { labels: o.labels as PiiLabel[] } : {});
      const salt = o.salt ?? process.env.INCONTEXT_PII_SALT;
      if (o.action === 'hash' && !salt) throw usageError('--action hash needs a salt', 'Pass --salt or set INCONTEXT_PII_SALT, so hashes cannot be reversed by guessing.');
      const out = redactPii(text, spans, o.action, salt ? { salt } : {});
      if (this.optsWithGlobals<{ json?: boolean }>().json) printJson({ text: out.text, spans: spans.map(({ start, end, label }) => ({ start, end, label })) });
      else process.stdout.write(out.text);
    });
}
