/**
 * HTTP throughput of OpenAI-compatible proxies in front of one fake upstream,
 * measured with autocannon (fixed connections, fixed duration) on loopback:
 * the upstream called directly (the ceiling), incontext's `/v1/chat/completions`
 * pass-through, and Portkey's gateway routed to the same upstream by its
 * custom-host header. Rounds rotate the order so load from elsewhere on a shared
 * machine spreads over all targets.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { fmt, log, percentile, settle, type Table } from '../lib.js';
import { portkeyVersion, startIncontextProcess, startPortkeyProcess, type Child } from './processes.js';

export interface ThroughputOptions {
  connections: number;
  /** Target seconds per timed run (each run is a request count sized from the warm-up rate). */
  durationS: number;
  warmupS: number;
  rounds: number;
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The process that does this target's work (the proxy; for the direct row, the upstream). */
  pid: number | undefined;
}

interface Run {
  requests: number;
  seconds: number;
  latencies: number[];
  /** CPU seconds the target's process and the upstream spent during the run. */
  proxyCpu: number;
  upstreamCpu: number;
}

/**
 * User + system CPU seconds of a process so far, from /proc (Linux). CPU per
 * request does not depend on how busy the rest of a shared machine is, unlike
 * requests per second; undefined where /proc is missing.
 */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ; 100 on every mainstream architecture. */
const TICKS = 100;

const MESSAGE_PREFIX = 'Write one short greeting for request';

/** `[<id>]` is replaced by autocannon with a fresh id per request, so no layer can answer from a cache. */
const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: `${MESSAGE_PREFIX} [<id>].` },
  ],
  max_tokens: 64,
  temperature: 0,
});

const PATH = '/v1/chat/completions';

/** One request by hand: the proxy must answer 200 with the upstream's echo, or the run would measure an error path. */
async function verify(t: Target): Promise<void> {
  const res = await fetch(`${t.url}${PATH}`, { method: 'POST', headers: t.headers, body: BODY.replace('[<id>]', 'check') });
  const text = await res.text();
  let content: unknown;
  try {
    content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
  } catch {
    content = undefined;
  }
  if (res.status !== 200 || content !== `echo: ${MESSAGE_PREFIX} check.`) {
    throw new Error(`${t.name} did not pass the request through (HTTP ${res.status}): ${text.slice(0, 500)}`);
  }
}

/**
 * A fixed number of requests, not a fixed duration: when a duration ends,
 * autocannon destroys its sockets with requests still in flight, and a proxy
 * sees those as client aborts. Each run's count is sized from the target's own
 * warm-up rate so that it lasts about `durationS`.
 */
async function run(t: Target, o: ThroughputOptions, amount: number, upstreamPid: number | undefined): Promise<Run> {
  const latencies: number[] = [];
  const cpu0 = [cpuSeconds(t.pid), cpuSeconds(upstreamPid)];
  // Own clock: autocannon's `duration` is taken at its 1 s ticks, so a fixed-count run that ends
  // between ticks reads as a whole number of seconds and flattens the rates of fast targets.
  const started = performance.now();
  let lastResponse = started;
  const instance = autocannon({
    url: `${t.url}${PATH}`,
    method: 'POST',
    headers: t.headers,
    body: BODY,
    idReplacement: true,
    connections: o.connections,
    amount,
    pipelining: 1,
    timeout: 10,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastResponse = performance.now();
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const r = await instance;
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.mismatches > 0) {
    throw new Error(
      `${t.name} returned errors during the run: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodeStats)}), ${r.errors} connection errors, ${r.timeouts} time-outs. The benchmark refuses to report an error path as throughput.`,
    );
  }
  return { requests: latencies.length, seconds: (lastResponse - started) / 1000, latencies, proxyCpu: cpuSeconds(t.pid) - cpu0[0]!, upstreamCpu: cpuSeconds(upstreamPid) - cpu0[1]! };
}

export async function measureThroughput(upstream: Child, o: ThroughputOptions): Promise<Table> {
  const children: Child[] = [];
  try {
    const incontext = await startIncontextProcess(upstream.url);
    children.push(incontext);
    const unguarded = await startIncontextProcess(upstream.url, { guards: false });
    children.push(unguarded);
    const portkey = await startPortkeyProcess();
    children.push(portkey);
    const json = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-0000' };
    const targets: Target[] = [
      { name: 'fake upstream, direct (ceiling)', url: upstream.url, headers: json, pid: upstream.proc.pid },
      { name: 'incontext /v1/chat/completions', url: incontext.url, headers: json, pid: incontext.proc.pid },
      { name: 'incontext, guards off (what Portkey does)', url: unguarded.url, headers: json, pid: unguarded.proc.pid },
      {
        name: `Portkey gateway ${portkeyVersion()}`,
        url: portkey.url,
        pid: portkey.proc.pid,
        headers: { ...json, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream.url}/v1` },
      },
    ];
    for (const t of targets) await verify(t);
    log(`throughput: ${o.connections} connections, ${o.warmupS} s warm-up, then ${o.rounds} rounds × ${o.durationS} s per target`);
    // Warm-up: a small fixed count, then a second run sized to warmupS; its rate sizes the timed runs.
    const amounts: number[] = [];
    for (const t of targets) {
      const first = await run(t, o, o.connections * 20, upstream.proc.pid);
      const rate = first.requests / first.seconds;
      const second = await run(t, o, Math.max(o.connections * 20, Math.round(rate * o.warmupS)), upstream.proc.pid);
      amounts.push(Math.max(o.connections * 20, Math.round((second.requests / second.seconds) * o.durationS)));
    }
    const runs = targets.map(() => [] as Run[]);
    for (let round = 0; round < o.rounds; round++) {
      for (let j = 0; j < targets.length; j++) {
        const k = (round + j) % targets.length;
        settle();
        const r = await run(targets[k]!, o, amounts[k]!, upstream.proc.pid);
        runs[k]!.push(r);
        log(`  round ${round + 1}: ${targets[k]!.name}: ${fmt(r.requests / r.seconds)} req/s`);
      }
    }
    const stats = runs.map((rs) => {
      const perRound = rs.map((r) => r.requests / r.seconds);
      const all = rs.flatMap((r) => r.latencies);
      const total = rs.reduce((a, r) => a + r.requests, 0);
      const proxyMs = (1000 * rs.reduce((a, r) => a + r.proxyCpu, 0)) / total;
      const upstreamMs = (1000 * rs.reduce((a, r) => a + r.upstreamCpu, 0)) / total;
      return { rps: percentile(perRound, 50), min: Math.min(...perRound), max: Math.max(...perRound), p50: percentile(all, 50), p99: percentile(all, 99), n: all.length, proxyMs, upstreamMs };
    });
    const [direct, ic, bare, pk] = stats as [(typeof stats)[0], (typeof stats)[0], (typeof stats)[0], (typeof stats)[0]];
    const vsPortkey = ic.rps / pk.rps;
    const added = ic.p50 - direct.p50;
    return {
      title: `Gateway throughput over HTTP: POST /v1/chat/completions through each proxy to one fake upstream, ${o.connections} connections, ${o.rounds} × ${o.durationS} s`,
      head: ['target', 'req/s (median round)', 'req/s range', 'p50 ms', 'p99 ms', 'added p50 ms vs direct', 'req/s vs Portkey', 'proxy CPU ms/request', 'upstream CPU ms/request', 'requests'],
      rows: stats.map((s, i) => [
        targets[i]!.name,
        s.rps,
        `${fmt(s.min)}–${fmt(s.max)}`,
        s.p50,
        s.p99,
        i === 0 ? '—' : fmt(s.p50 - direct.p50, 3),
        i === 0 ? '—' : `${fmt(s.rps / pk.rps)}×`,
        i === 0 ? '—' : fmt(s.proxyMs, 3),
        fmt(s.upstreamMs, 3),
        s.n,
      ]),
      notes: [
        'Each server in its own Node process (the fake upstream from src/testing; incontext started like `incontext serve` with a temp home, cache off; Portkey from its own package entry with --headless and NODE_ENV=production); autocannon in the bench process. All on 127.0.0.1; 2xx only — a run with any non-2xx, connection error or time-out aborts the benchmark.',
        "Every request has a fresh id in its user message, so no layer can answer from a cache. The fake upstream answers a non-streamed echo completion; incontext parses it into the AI SDK's result and writes a new OpenAI response, Portkey forwards it (with its own response transform).",
        `Each timed run is a fixed request count sized from the target's warm-up rate to last about ${o.durationS} s (a duration cut-off would leave requests in flight, which proxies see as client aborts). Latency percentiles pool every 2xx response of the ${o.rounds} rounds; req/s is the median round, timed from the start of a run to its last response (autocannon's own duration is read at its 1 s ticks).`,
        'The first incontext row runs the default guard policy (injection scan of the user message, canary and system-prompt leak checks on the answer); the second turns it off and so does what Portkey does: route, retry/fallback, breaker, rate limit and budget layers, and a trace per request.',
        `With ${o.connections} connections the machine's cores are shared by the load generator, the proxy and the upstream (and, here, other people's work), so req/s is a ratio figure, not a capacity figure. CPU ms/request (user + system time of the process from /proc over the timed runs, divided by the requests) does not depend on that load: 1000 / it is the requests per second one core could serve.`,
      ],
      summary: `Gateway throughput: incontext /v1/chat/completions ${fmt(ic.rps)} req/s vs Portkey ${fmt(pk.rps)} req/s = ${fmt(vsPortkey)}× (goal ≥ 2×: ${vsPortkey >= 2 ? 'met' : 'missed'}); direct upstream ${fmt(direct.rps)} req/s; added p50 under load ${fmt(added, 3)} ms (Portkey ${fmt(pk.p50 - direct.p50, 3)} ms); proxy CPU per request ${fmt(ic.proxyMs, 3)} ms vs Portkey ${fmt(pk.proxyMs, 3)} ms (${fmt(pk.proxyMs / ic.proxyMs)}× by CPU); with guards off ${fmt(bare.rps)} req/s = ${fmt(bare.rps / pk.rps)}×, ${fmt(bare.proxyMs, 3)} ms CPU per request (${fmt(pk.proxyMs / bare.proxyMs)}× by CPU).`,
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
