/**
 * `npx tsx bench/guard/heldout.ts [--list]`: the detector on the hand-written held-out sets in
 * bench/guard/heldout/ (hard benign prompts that mention instructions, roles, passwords, and
 * attacks in wordings the dev set lacks). Neither file is read by train.ts nor by the similarity
 * corpus, so these are figures on texts the detector was never fitted to. `--list` prints each
 * mistake with its score and strongest signal; `--blind` measures the blind pair instead, `--blind2`
 * the second blind pair (written before the intent-family work and measured once after it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInjectionDetector, type InjectionDetector, type ScanResult } from '../../src/guard/index.js';

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'heldout');

export type HeldoutFile = 'hard-benign.txt' | 'attacks.txt' | 'blind-benign.txt' | 'blind-attacks.txt' | 'blind2-benign.txt' | 'blind2-attacks.txt';
export type HeldoutSet = 'heldout' | 'blind' | 'blind2';

const FILES: Record<HeldoutSet, [HeldoutFile, HeldoutFile]> = {
  heldout: ['hard-benign.txt', 'attacks.txt'],
  blind: ['blind-benign.txt', 'blind-attacks.txt'],
  blind2: ['blind2-benign.txt', 'blind2-attacks.txt'],
};

export function readHeldout(file: HeldoutFile): string[] {
  return readFileSync(join(HERE, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.replace(/\\n/g, '\n'));
}

export interface HeldoutFigures {
  benign: number;
  falsePositives: number;
  attacks: number;
  caught: number;
  mistakes: Array<{ label: 'benign' | 'attack'; text: string; result: ScanResult }>;
}

/** `set: 'blind'` and `'blind2'` read the pairs written apart from tuning (see the files' headers). */
export function heldoutFigures(detector: InjectionDetector, set: HeldoutSet = 'heldout'): HeldoutFigures {
  const mistakes: HeldoutFigures['mistakes'] = [];
  const benign = readHeldout(FILES[set][0]);
  const attacks = readHeldout(FILES[set][1]);
  let falsePositives = 0;
  let caught = 0;
  for (const text of benign) {
    const result = detector.scan(text);
    if (result.flagged) {
      falsePositives++;
      mistakes.push({ label: 'benign', text, result });
    }
  }
  for (const text of attacks) {
    const result = detector.scan(text);
    if (result.flagged) caught++;
    else mistakes.push({ label: 'attack', text, result });
  }
  return { benign: benign.length, falsePositives, attacks: attacks.length, caught, mistakes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const set: HeldoutSet = process.argv.includes('--blind2') ? 'blind2' : process.argv.includes('--blind') ? 'blind' : 'heldout';
  const f = heldoutFigures(createInjectionDetector(), set);
  console.log(`hard benign: ${f.falsePositives}/${f.benign} flagged (FPR ${(f.falsePositives / f.benign).toFixed(3)})`);
  console.log(`attacks: ${f.caught}/${f.attacks} caught (TPR ${(f.caught / f.attacks).toFixed(3)})`);
  if (process.argv.includes('--list')) {
    for (const m of f.mistakes) {
      const top = [...m.result.signals].sort((a, b) => b.score - a.score).slice(0, 3).map((s) => `${s.name}=${s.score.toFixed(2)}`).join(' ');
      console.log(`${m.label === 'benign' ? 'FP  ' : 'MISS'} ${m.result.score.toFixed(3)} [${top}] ${m.text.slice(0, 140).replace(/\n/g, ' | ')}`);
    }
  }
}
