import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncontextError } from '../../core/index.js';
import { fetchUrlSafely, loadUrl, type ResolvedAddress, type SafeFetchOptions } from '../index.js';

// Only 127.0.0.1 is ever connected to. Host names resolve through this table, never through DNS.
const HOSTS: Record<string, ResolvedAddress[]> = {
  'docs.test': [{ address: '127.0.0.1', family: 4 }],
  'intranet.test': [{ address: '10.0.0.7', family: 4 }],
  'mixed.test': [
    { address: '10.0.0.8', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'localhost.test': [
    { address: '::1', family: 6 },
    { address: '127.0.0.1', family: 4 },
  ],
};
const lookups: string[] = [];
async function lookup(host: string): Promise<ResolvedAddress[]> {
  lookups.push(host);
  const found = HOSTS[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
}

interface Seen {
  path: string;
  host: string;
  authorization: string | undefined;
}
const seen: Seen[] = [];
let server: http.Server;
let base: string;
let port: number;

const PAGE = '<!doctype html><html><head><title>Parking</title></head><body><main><h1>Parking</h1><p>Parking moves to level 2 on Monday. Bring your badge to the new gate.</p></main></body></html>';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, host: req.headers.host ?? '', authorization: req.headers.authorization });
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (hop) {
      const n = Number(hop[1]);
      res.writeHead(302, { location: n > 1 ? `/hop/${n - 1}` : '/page' }).end();
      return;
    }
    switch (url.pathname) {
      case '/page':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        return;
      case '/to': {
        const target = url.searchParams.get('u') ?? '/page';
        res.writeHead(Number(url.searchParams.get('s') ?? 302), { location: target }).end();
        return;
      }
      case '/loop':
        res.writeHead(301, { location: '/loop' }).end();
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(100_000) }).end('x'.repeat(100_000));
        return;
      case '/big-chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 100; i++) res.write('y'.repeat(1000));
        res.end();
        return;
      case '/gzip-bomb':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(5_000_000, 0x61)));
        return;
      case '/gzip-ok':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync('small and compressed'));
        return;
      case '/hang':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        return; // never ends
      case '/missing':
        res.writeHead(404).end('no');
        return;
      default:
        res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(url: string, options: SafeFetchOptions = {}): Promise<IncontextError> {
  const before = seen.length;
  const err = await fetchUrlSafely(url, { lookup, ...options }).then(() => undefined, (e: unknown) => e);
  if (!IncontextError.isInstance(err)) throw new Error(`expected an IncontextError for ${url}, got ${String(err)}`);
  (err as IncontextError & { requests: number }).requests = seen.length - before;
  return err;
}
const requestsOf = (err: IncontextError) => (err as IncontextError & { requests: number }).requests;

describe('fetchUrlSafely: the happy path (a local server, allowed explicitly)', () => {
  it('fetches a page with its type and final URL', async () => {
    const res = await fetchUrlSafely(`${base}/page`, { allowPrivate: true, lookup });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/html; charset=utf-8');
    expect(Buffer.from(res.bytes).toString()).toBe(PAGE);
    expect(res).toMatchObject({ url: `${base}/page`, redirects: [], address: '127.0.0.1' });
  });

  it('follows a bounded chain of relative redirects', async () => {
    const res = await fetchUrlSafely(`${base}/hop/3`, { allowPrivate: ['127.0.0.1'], lookup });
    expect(res.url).toBe(`${base}/page`);
    expect(res.redirects).toEqual([`${base}/hop/3`, `${base}/hop/2`, `${base}/hop/1`]);
    const err = await failure(`${base}/loop`, { allowPrivate: true, maxRedirects: 3 });
    expect(err.message).toContain('More than 3 redirects');
  });

  it('decompresses gzip bodies', async () => {
    const res = await fetchUrlSafely(`${base}/gzip-ok`, { allowPrivate: true, lookup });
    expect(Buffer.from(res.bytes).toString()).toBe('small and compressed');
  });

  it('loadUrl turns the page into a document whose origin is the final URL', async () => {
    const [doc, ...rest] = await loadUrl(`${base}/to?u=/page#frag`, { allowPrivate: true, lookup });
    expect(rest).toEqual([]);
    expect(doc).toMatchObject({ origin: `${base}/page`, format: 'html', title: 'Parking', metadata: { url: `${base}/page` } });
    expect(doc?.text).toContain('Parking moves to level 2');
  });
});

describe('fetchUrlSafely: SSRF refusals', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:PORT/page'],
    ['decimal IPv4', 'http://2130706433:PORT/page'],
    ['hex IPv4', 'http://0x7f.0.0.1:PORT/page'],
    ['octal IPv4', 'http://0177.0.0.1:PORT/page'],
    ['short IPv4', 'http://127.1:PORT/page'],
    ['unspecified', 'http://0.0.0.0:PORT/page'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:PORT/page'],
    ['IPv6 loopback', 'http://[::1]:PORT/page'],
    ['a name resolving to loopback', 'http://docs.test:PORT/page'],
  ])('refuses %s before connecting', async (_label, url) => {
    const err = await failure(url.replace('PORT', String(port)));
    expect([err.code, err.status]).toEqual(['BAD_REQUEST', 403]);
    expect(err.message).toMatch(/is (a loopback address|the unspecified address)/);
    expect(err.hint).toContain('allowPrivate');
    expect(requestsOf(err)).toBe(0);
  });

  it('refuses private and metadata addresses, naming what the host resolved to', async () => {
    const err = await failure('http://intranet.test/wiki');
    expect(err.message).toBe('Refused to fetch http://intranet.test/wiki: 10.0.0.7 is a private address (intranet.test resolves to 10.0.0.7)');
    // Metadata stays closed even when private addresses are allowed.
    expect((await failure('http://169.254.169.254/latest/meta-data/', { allowPrivate: true })).message).toContain('cloud metadata endpoint');
    expect((await failure('http://[::ffff:a9fe:a9fe]/latest/', { allowPrivate: true })).message).toContain('cloud metadata endpoint');
    expect((await failure('http://[fd00:ec2::254]/', { allowPrivate: true })).message).toContain('cloud metadata endpoint');
  });

  it('refuses other schemes and URLs with credentials', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'gopher://127.0.0.1:6379/_INFO', 'data:text/plain,hi']) {
      expect((await failure(url, { allowPrivate: true })).message).toMatch(/Only http and https/);
    }
    const creds = await failure(`http://user:pw@127.0.0.1:${port}/page`, { allowPrivate: true });
    expect(creds.message).toContain('user name or password');
    expect(creds.input?.path).not.toContain('pw');
    expect((await failure('not a url')).code).toBe('BAD_REQUEST');
  });

  it('re-checks every redirect target: an allowed page cannot bounce the fetch inward', async () => {
    const only = { allowPrivate: ['127.0.0.1/32'] };
    for (const target of ['http://intranet.test/admin', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/', 'http://0x0a000001/', 'http://167772161/']) {
      const err = await failure(`${base}/to?u=${encodeURIComponent(target)}`, only);
      expect([err.code, err.message]).toEqual(['BAD_REQUEST', expect.stringContaining('Refused to fetch')]);
      // Only the first hop reached the server.
      expect(requestsOf(err)).toBe(1);
    }
    expect((await failure(`${base}/to?u=${encodeURIComponent('file:///etc/passwd')}&s=307`, only)).message).toContain('Only http and https');
  });

  it('pins the checked address: the connection never resolves the name again (DNS rebinding)', async () => {
    lookups.length = 0;
    // docs.test is not in any real DNS, so an unpinned second lookup would fail the request.
    const res = await fetchUrlSafely(`http://docs.test:${port}/page`, { allowPrivate: ['127.0.0.1'], lookup });
    expect(res.address).toBe('127.0.0.1');
    expect(lookups).toEqual(['docs.test']);
    expect(seen.at(-1)?.host).toBe(`docs.test:${port}`);
  });

  it('connects to an allowed address of a host that also has refused ones', async () => {
    const res = await fetchUrlSafely(`http://mixed.test:${port}/page`, { allowPrivate: ['127.0.0.1'], lookup });
    expect(res.address).toBe('127.0.0.1');
    const res2 = await fetchUrlSafely(`http://localhost.test:${port}/page`, { allowPrivate: ['127.0.0.1'], lookup });
    expect(res2.address).toBe('127.0.0.1');
  });

  it('drops Authorization when a redirect leaves the origin', async () => {
    const headers = { authorization: 'Bearer abc' };
    await fetchUrlSafely(`${base}/to?u=/page`, { allowPrivate: true, lookup, headers });
    expect(seen.at(-1)).toMatchObject({ path: '/page', authorization: 'Bearer abc' });
    await fetchUrlSafely(`${base}/to?u=${encodeURIComponent(`http://docs.test:${port}/page`)}`, { allowPrivate: true, lookup, headers });
    expect(seen.at(-1)).toMatchObject({ path: '/page', host: `docs.test:${port}`, authorization: undefined });
  });

  it('reports unresolvable hosts', async () => {
    const err = await failure('http://nowhere.test/');
    expect(err.code).toBe('FILE_UNREADABLE');
    expect(err.message).toContain('Cannot resolve nowhere.test');
  });
});

describe('fetchUrlSafely: size and time limits', () => {
  it('refuses bodies over maxBytes, declared or streamed, and gzip bombs by their decompressed size', async () => {
    for (const path of ['/big', '/big-chunked', '/gzip-bomb']) {
      const err = await failure(`${base}${path}`, { allowPrivate: true, maxBytes: 50_000 });
      expect(err.code).toBe('FILE_TOO_LARGE');
      expect(err.message).toContain('50000-byte limit');
    }
  });

  it('gives up after timeoutMs on a server that never finishes', async () => {
    const err = await failure(`${base}/hang`, { allowPrivate: true, timeoutMs: 300 });
    expect([err.code, err.status]).toEqual(['FILE_UNREADABLE', 504]);
    expect(err.message).toContain('longer than 300 ms');
  });

  it('honours the caller abort signal', async () => {
    const controller = new AbortController();
    const pending = failure(`${base}/hang`, { allowPrivate: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await pending).message).toContain('cancelled');
  });

  it('turns HTTP errors into FILE_UNREADABLE with the status', async () => {
    const err = await failure(`${base}/missing`, { allowPrivate: true });
    expect([err.code, err.status, err.message]).toEqual(['FILE_UNREADABLE', 502, `${base}/missing answered HTTP 404`]);
  });
});
