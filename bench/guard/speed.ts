/**
 * `npx tsx bench/guard/speed.ts [--rounds N]`: CPU time per `scan()` of the default detector in a
 * warm loop (process.cpuUsage, user + system), on 20,000 distinct short chat messages like a
 * proxy's last user message, on the dev set rows, and on 1,000 SciFact abstracts. Each set is
 * scanned once to warm up, then N rounds (default 3) are timed and the fastest round is reported,
 * since other processes share the machine.
 */
import { createInjectionDetector } from '../../src/guard/index.js';
import { devTexts, scifactTexts, shortMessages } from './corpus.js';

const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(process.argv[roundsAt + 1]) : 3;

const detector = createInjectionDetector();
const sets: Array<[string, string[]]> = [
  ['short chat messages (20,000 distinct)', shortMessages(20_000)],
  ['dev set rows', devTexts()],
  ['SciFact abstracts (1,000)', scifactTexts(1000)],
];

let sink = 0;
function cpuMs(texts: string[]): number {
  const t0 = process.cpuUsage();
  for (const t of texts) sink += detector.scan(t).score;
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

for (const [name, texts] of sets) {
  cpuMs(texts);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) best = Math.min(best, cpuMs(texts));
  const chars = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  console.log(`${name}: ${(best / texts.length).toFixed(4)} ms CPU per scan (mean ${chars.toFixed(0)} chars, ${texts.length} texts)`);
}
if (sink === -1) console.log(sink);
