import cliProgress from 'cli-progress';
import type { IngestProgress } from '../app/index.js';

/** A progress bar on stderr for interactive terminals; silent when piped or with --json. */
export function ingestProgress(enabled: boolean): { onProgress: (p: IngestProgress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'ingest [{bar}] {value}/{total} {path}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(p) {
      if (p.phase === 'scan') {
        bar.start(p.total, 0, { path: '' });
        started = true;
      } else if (started) bar.update(p.done, { path: p.path ?? '' });
    },
    stop: () => started && bar.stop(),
  };
}
