import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTraceStore, createOtlpExporter, createTracer, type Span } from './index.js';

interface Received {
  path: string;
  contentType: string | undefined;
  auth: string | undefined;
  body: { resourceSpans: Array<{ resource: { attributes: Attr[] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
}
interface Attr {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
  status: { code: number; message?: string };
}

/** A minimal OTLP/HTTP JSON receiver; `statuses` scripts the reply to each request in turn. */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        auth: req.headers['authorization'],
        body: JSON.parse(Buffer.concat(chunks).toString()) as Received['body'],
      });
      const status = statuses.shift() ?? 200;
      res.writeHead(req.method === 'POST' && req.url === '/v1/traces' ? status : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const attrs = (s: OtlpSpan) => Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
const spansOf = (r: Received[]) => r.flatMap((x) => x.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));

function span(i: number): Span {
  return { traceId: 'a'.repeat(32), spanId: i.toString(16).padStart(16, '0'), projectId: 'p', name: `s${i}`, kind: 'tool', startTime: 1000 + i, endTime: 1001 + i, status: 'ok', attributes: {} };
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) await new Promise((r) => s.close(r));
});

describe('OTLP exporter', () => {
  it('delivers llm spans with GenAI semantic convention attributes', async () => {
    const r = await receiver();
    server = r.server;
    const exporter = createOtlpExporter({ url: r.url, headers: { authorization: 'Bearer test' }, serviceName: 'svc' });
    const tracer = createTracer({ store: createMemoryTraceStore(), projectId: 'proj', exporters: [exporter] });
    await tracer.withSpan('ask', 'request', async () => {
      const s = tracer.startSpan('llm', 'llm', { attributes: { model: 'gpt-4o-mini', provider: 'openai.chat', temperature: 0.2, maxOutputTokens: 64 } });
      s.setAttributes({ inputTokens: 120, outputTokens: 7, costUsd: 0.0000222, cached: false, finishReason: 'stop', user: 'u1' }).end();
    });
    await exporter.flush();
    expect(r.received.map((x) => [x.path, x.contentType, x.auth])).toEqual([['/v1/traces', 'application/json', 'Bearer test']]);
    expect(attrs({ attributes: r.received[0]!.body.resourceSpans[0]!.resource.attributes } as OtlpSpan)).toEqual({ 'service.name': 'svc' });
    const [llm, root] = spansOf(r.received);
    expect(llm!.name).toBe('chat gpt-4o-mini');
    expect(llm!.kind).toBe(3);
    expect(llm!.parentSpanId).toBe(root!.spanId);
    expect(llm!.traceId).toBe(root!.traceId);
    expect(llm!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(BigInt(llm!.endTimeUnixNano) >= BigInt(llm!.startTimeUnixNano)).toBe(true);
    expect(llm!.startTimeUnixNano).toMatch(/^\d{19}$/);
    expect(attrs(llm!)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': '64',
      'gen_ai.usage.input_tokens': '120',
      'gen_ai.usage.output_tokens': '7',
      'gen_ai.response.finish_reasons': { values: [{ stringValue: 'stop' }] },
      'incontext.costUsd': 0.0000222,
      'incontext.cached': false,
      'incontext.project_id': 'proj',
      'enduser.id': 'u1',
    });
    expect(root!.name).toBe('ask');
    expect(root!.parentSpanId).toBeUndefined();
    expect(attrs(root!)['gen_ai.operation.name']).toBeUndefined();
    await exporter.shutdown();
  });

  it('rejects an endpoint that is not an http(s) URL, naming the key', () => {
    expect(() => createOtlpExporter({ url: 'localhost:4318' })).toThrow(/must be http\(s\)|not a URL/);
    expect(() => createOtlpExporter({ url: 'not a url' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', input: { key: 'trace.otlp.url' } }));
  });

  it('marks failed spans with error status and error.type', async () => {
    const r = await receiver();
    server = r.server;
    const exporter = createOtlpExporter({ url: `${r.url}/v1/traces` });
    exporter.export({ ...span(1), status: 'error', error: 'timeout after 30s' });
    await exporter.shutdown();
    const [s] = spansOf(r.received);
    expect(s!.status).toEqual({ code: 2, message: 'timeout after 30s' });
    expect(attrs(s!)['error.type']).toBe('timeout after 30s');
  });

  it('retries a batch after 5xx and gives up on 4xx', async () => {
    const r = await receiver([503, 502, 200, 400]);
    server = r.server;
    const errors: string[] = [];
    const exporter = createOtlpExporter({ url: r.url, retryDelayMs: 1, onError: (e) => errors.push(e.message) });
    exporter.export(span(1));
    await exporter.flush();
    expect(r.received).toHaveLength(3);
    expect(exporter.sent).toBe(1);
    exporter.export(span(2));
    await exporter.flush();
    expect(r.received).toHaveLength(4);
    expect(exporter.failed).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/HTTP 400/)]);
    await exporter.shutdown();
  });

  it('gives up after maxRetries when the collector is down, without throwing at the app', async () => {
    const r = await receiver();
    await new Promise((done) => r.server.close(done));
    const errors: string[] = [];
    const exporter = createOtlpExporter({ url: r.url, retryDelayMs: 1, maxRetries: 2, onError: (e) => errors.push(e.code) });
    expect(() => exporter.export(span(1))).not.toThrow();
    await exporter.shutdown();
    expect(exporter.failed).toBe(1);
    expect(errors).toEqual(['INTERNAL']);
  });

  it('sends in batches and drops the oldest spans beyond the queue bound', async () => {
    const r = await receiver();
    server = r.server;
    const batched = createOtlpExporter({ url: r.url, batchSize: 2, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) batched.export(span(i));
    await batched.flush();
    expect(r.received.map((x) => spansOf([x]).length)).toEqual([2, 2, 1]);
    await batched.shutdown();

    r.received.length = 0;
    const bounded = createOtlpExporter({ url: r.url, batchSize: 100, maxQueue: 3, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) bounded.export(span(i));
    expect(bounded.dropped).toBe(2);
    await bounded.shutdown();
    expect(spansOf(r.received).map((s) => s.name)).toEqual(['s2', 's3', 's4']);
    bounded.export(span(9));
    expect(bounded.sent).toBe(3);
    expect(bounded.dropped).toBe(3);
  });
});
