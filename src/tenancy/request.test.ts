import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyFromHeaders, authenticateRequest, authorize, createTenancy, jsonDepth, parseJsonLimited, safeUploadName, type Tenancy } from './index.js';
import { thrownError as failure, rejectedError as rejected } from '../testing/index.js';

const headers = (h: Record<string, string>) => (name: string) => h[name];

describe('request authentication', () => {
  let dir: string;
  let tenancy: Tenancy;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ic-req-'));
    tenancy = createTenancy({ path: join(dir, 'incontext.db') });
  });
  afterAll(() => {
    tenancy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the key from Bearer or x-api-key and refuses two different keys', () => {
    expect(apiKeyFromHeaders(headers({ authorization: 'Bearer ic_abc' }))).toBe('ic_abc');
    expect(apiKeyFromHeaders(headers({ authorization: 'bearer   ic_abc ' }))).toBe('ic_abc');
    expect(apiKeyFromHeaders(headers({ 'x-api-key': 'ic_abc' }))).toBe('ic_abc');
    expect(apiKeyFromHeaders(headers({ authorization: 'Bearer ic_abc', 'x-api-key': 'ic_abc' }))).toBe('ic_abc');
    expect(apiKeyFromHeaders(headers({}))).toBeUndefined();
    expect(failure(() => apiKeyFromHeaders(headers({ authorization: 'Bearer ic_a', 'x-api-key': 'ic_b' }))).message).toContain('two different');
    expect(failure(() => apiKeyFromHeaders(headers({ authorization: 'Basic dXNlcjpwdw==' }))).code).toBe('UNAUTHORIZED');
  });

  it('authenticates a request or answers 401 with the reason', async () => {
    await tenancy.createProject('acme');
    const { id, secret } = await tenancy.createKey({ project: 'acme', scopes: ['query'], name: 'web' });
    const principal = await authenticateRequest(tenancy, headers({ authorization: `Bearer ${secret}` }));
    expect(principal.keyId).toBe(id);
    expect(authorize(principal, { scope: 'query', project: 'acme' })).toBe(principal);
    expect(failure(() => authorize(principal, { scope: 'query', project: 'other' })).status).toBe(403);
    expect(failure(() => authorize(principal, { scope: 'admin' })).status).toBe(403);

    const missing = await rejected(authenticateRequest(tenancy, headers({})));
    expect([missing.status, missing.message]).toEqual([401, 'No API key was sent']);
    await tenancy.revokeKey(id);
    const revoked = await rejected(authenticateRequest(tenancy, headers({ 'x-api-key': secret })));
    expect([revoked.status, revoked.message]).toEqual([401, 'The API key was revoked']);
  });
});

describe('JSON depth', () => {
  it('measures nesting without parsing and ignores brackets inside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonDepth('{"a":"[[[[{{{{\\"[["}')).toBe(1);
    expect(jsonDepth('"just a string"')).toBe(0);
    expect(jsonDepth('['.repeat(100_000), 64)).toBe(65);
  });

  it('parseJsonLimited refuses deep or invalid JSON before anything walks it', () => {
    expect(parseJsonLimited('{"messages":[{"role":"user"}]}')).toEqual({ messages: [{ role: 'user' }] });
    const deep = '['.repeat(1000) + ']'.repeat(1000);
    const err = failure(() => parseJsonLimited(deep));
    expect([err.code, err.message]).toEqual(['BAD_REQUEST', 'JSON nested deeper than 64 levels']);
    expect(parseJsonLimited(deep, { maxDepth: 1000 })).toBeInstanceOf(Array);
    expect(failure(() => parseJsonLimited('{"a":')).message).toContain('not valid JSON');
  });
});

describe('upload names', () => {
  it('accepts relative names and refuses traversal, absolute paths and control characters', () => {
    expect(safeUploadName('report.pdf')).toBe('report.pdf');
    expect(safeUploadName('docs/guide.md')).toBe('docs/guide.md');
    expect(safeUploadName('..hidden.md')).toBe('..hidden.md');
    expect(safeUploadName('Cafe\u0301.md')).toBe('Café.md');
    for (const bad of ['', '../etc/passwd', 'docs/../../x', './a', 'a//b', '/etc/passwd', 'C:\\Windows\\x', 'c:x', 'a\\..\\b', 'a\u0000.md', 'line\nbreak', 'x'.repeat(300), 'docs/']) {
      const err = failure(() => safeUploadName(bad));
      expect([err.code, err.input?.key]).toEqual(['BAD_REQUEST', 'filename']);
    }
  });
});
