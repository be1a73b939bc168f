/**
 * Fetch a URL on behalf of a user without letting the URL reach the server's own network (SSRF).
 *
 * Per hop: parse, resolve the host once, refuse unless an allowed address remains, and connect
 * to exactly that address (the request's `lookup` returns the pinned address), so a DNS answer
 * that changes between the check and the connection (rebinding) cannot redirect the socket.
 * Redirects are followed by hand, each target checked the same way. Size and time limits hold
 * while streaming, after decompression, so a gzip bomb stops at `maxBytes` of output.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { IncontextError } from '../../core/index.js';
import { addressPolicy, type AddressClass, type AddressPolicy, type AllowPrivate } from './address.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface SafeFetchOptions {
  /** Non-public addresses are refused unless allowed: `true` (all but cloud metadata) or a list of IPs/CIDRs. */
  allowPrivate?: AllowPrivate;
  /** Largest body after decompression. Default 20 MB. */
  maxBytes?: number;
  /** For the whole fetch, redirects included. Default 30 s. */
  timeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Extra request headers. `authorization` and `cookie` are dropped when a redirect leaves the origin. */
  headers?: Record<string, string>;
  /** DNS resolution; default the system resolver (`dns.lookup`, all addresses). */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
}

export interface SafeFetchResult {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  contentType: string | undefined;
  bytes: Uint8Array;
  /** Every URL that answered with a redirect, in order. */
  redirects: string[];
  /** The address the final response came from. */
  address: string;
}

export const DEFAULT_URL_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const ALLOW_HINT =
  'Private, loopback, link-local and cloud-metadata addresses are refused so a URL cannot reach the server\'s own network. To ingest from an internal host on purpose, pass allowPrivate: true, or a list of the addresses/CIDRs to allow.';

const LABEL: Record<AddressClass, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'unique-local': 'a unique-local (private) IPv6 address',
  shared: 'a carrier-grade NAT (shared) address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  metadata: 'a cloud metadata endpoint',
};

function refused(url: string, message: string, hint = ALLOW_HINT): IncontextError {
  return new IncontextError('BAD_REQUEST', message, { input: { path: url }, hint, status: 403 });
}

function unreadable(url: string, message: string, status: number, hint: string, cause?: unknown): IncontextError {
  return new IncontextError('FILE_UNREADABLE', message, { input: { path: url }, hint, status, ...(cause === undefined ? {} : { cause }) });
}

export function parseTarget(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = base ? new URL(raw, base) : new URL(raw);
  } catch (err) {
    throw new IncontextError('BAD_REQUEST', `Not a valid URL: ${JSON.stringify(raw.slice(0, 200))}`, { input: { path: raw }, hint: 'Pass an absolute http:// or https:// URL.', cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(url.href, `Only http and https URLs can be fetched, not ${url.protocol}`, 'Pass an http:// or https:// URL; local files go through file ingest instead.');
  }
  if (url.username || url.password) {
    throw refused(url.href.replace(/\/\/[^@/]*@/, '//***@'), 'URLs with a user name or password are refused', 'Remove the credentials from the URL; they would be sent in the clear and logged.');
  }
  return url;
}

const systemLookup = async (hostname: string): Promise<ResolvedAddress[]> =>
  (await dnsLookup(hostname, { all: true, order: 'verbatim' })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

/** The first allowed address of the host, or a refusal naming what it resolved to. */
async function pinAddress(url: URL, policy: AddressPolicy, lookup: NonNullable<SafeFetchOptions['lookup']>, signal: AbortSignal): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  let candidates: ResolvedAddress[];
  if (literal !== 0) candidates = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      candidates = await abortable(lookup(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw unreadable(url.href, `Cannot resolve ${host}: ${(err as Error).message}`, 502, 'Check the host name; the server resolves it with its own DNS.', err);
    }
    if (candidates.length === 0) throw unreadable(url.href, `Cannot resolve ${host}: no addresses`, 502, 'Check the host name.');
  }
  const allowed = candidates.find((c) => policy.refuses(c.address) === undefined);
  if (allowed) return allowed;
  const first = candidates[0]!;
  const what = LABEL[policy.refuses(first.address) ?? 'reserved'];
  const via = literal !== 0 ? '' : ` (${host} resolves to ${candidates.map((c) => c.address).join(', ')})`;
  throw refused(url.href, `Refused to fetch ${url.href}: ${first.address} is ${what}${via}`);
}

function pinnedLookup(pin: ResolvedAddress): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void) => {
    if (opts?.all) cb(null, [{ address: pin.address, family: pin.family }]);
    else cb(null, pin.address, pin.family);
  }) as LookupFunction;
}

function request(url: URL, pin: ResolvedAddress, headers: Record<string, string>, signal: AbortSignal): Promise<http.IncomingMessage> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'GET', headers, agent: false, lookup: pinnedLookup(pin), signal }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function decoded(res: http.IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

async function readLimited(url: string, res: http.IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers['content-length']);
  const tooLarge = () =>
    new IncontextError('FILE_TOO_LARGE', `${url} is over the ${maxBytes}-byte limit`, {
      input: { path: url },
      hint: 'Raise maxBytes if the document is expected to be this large, or fetch a smaller page.',
    });
  if (Number.isFinite(declared) && declared > maxBytes && !res.headers['content-encoding']) {
    res.destroy();
    throw tooLarge();
  }
  const body = decoded(res);
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge();
      parts.push(chunk);
    }
  } catch (err) {
    res.destroy();
    body.destroy();
    throw err;
  }
  return new Uint8Array(Buffer.concat(parts, total));
}

function flatHeaders(res: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function timeoutError(url: string, ms: number, cause: unknown): IncontextError {
  return unreadable(url, `Fetching ${url} took longer than ${ms} ms`, 504, 'The host is slow or unreachable; raise timeoutMs or try again later.', cause);
}

/** GET a URL under the SSRF policy and the size and time limits; throws IncontextError for every refusal. */
export async function fetchUrlSafely(input: string | URL, options: SafeFetchOptions = {}): Promise<SafeFetchResult> {
  const policy = addressPolicy(options.allowPrivate ?? false);
  const lookup = options.lookup ?? systemLookup;
  const maxBytes = options.maxBytes ?? DEFAULT_URL_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

  let url = parseTarget(String(input));
  const origin = url.origin;
  const redirects: string[] = [];
  const baseHeaders: Record<string, string> = {
    'user-agent': 'incontext-url-loader',
    accept: 'text/html,application/xhtml+xml,text/markdown,text/plain,application/json,application/pdf,*/*;q=0.5',
    'accept-encoding': 'gzip, deflate, br',
    ...options.headers,
  };
  try {
    for (;;) {
      const pin = await pinAddress(url, policy, lookup, signal);
      const headers = { ...baseHeaders };
      if (url.origin !== origin) {
        for (const k of Object.keys(headers)) if (/^(authorization|cookie|proxy-authorization)$/i.test(k)) delete headers[k];
      }
      const res = await request(url, pin, headers, signal);
      const location = res.headers.location;
      if (REDIRECT.has(res.statusCode ?? 0) && location) {
        res.resume();
        redirects.push(url.href);
        if (redirects.length > maxRedirects) {
          throw unreadable(url.href, `More than ${maxRedirects} redirects starting at ${redirects[0]}`, 502, 'The site redirects in a loop or through too many hops; pass the final URL, or raise maxRedirects.');
        }
        url = parseTarget(location, url);
        continue;
      }
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        throw unreadable(url.href, `${url.href} answered HTTP ${status}`, 502, status === 401 || status === 403 ? 'The page needs a login; ingest an exported copy instead.' : 'Check the URL in a browser.');
      }
      const bytes = await readLimited(url.href, res, maxBytes);
      const type = res.headers['content-type'];
      return { url: url.href, status, headers: flatHeaders(res), contentType: type, bytes, redirects, address: pin.address };
    }
  } catch (err) {
    if (timeout.aborted && !IncontextError.isInstance(err)) throw timeoutError(url.href, timeoutMs, err);
    if (IncontextError.isInstance(err)) throw err;
    if (signal.aborted) throw unreadable(url.href, `Fetching ${url.href} was cancelled`, 499, 'The caller aborted the request.', err);
    throw unreadable(url.href, `Fetching ${url.href} failed: ${(err as Error).message}`, 502, 'Check that the host is reachable from the server.', err);
  }
}
