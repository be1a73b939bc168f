/**
 * Child process: the fake upstream (src/testing) on a free loopback port. It
 * answers every chat completion with its default echo reply. Recorded requests
 * are dropped every second, or a long benchmark would grow the child's heap
 * (and its GC pauses) with every request.
 */
import { startFakeUpstream } from '../../src/testing/index.js';

const upstream = await startFakeUpstream({ host: '127.0.0.1' });
setInterval(() => upstream.reset(), 1000).unref();
process.send?.({ url: upstream.url });
const stop = (): void => {
  void upstream.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
