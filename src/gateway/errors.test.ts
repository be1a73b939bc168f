import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { classifyError, GatewayError } from './index.js';

const apiError = (statusCode: number | undefined, headers?: Record<string, string>) =>
  new APICallError({ message: `status ${statusCode}`, url: 'u', requestBodyValues: {}, ...(statusCode ? { statusCode } : {}), ...(headers ? { responseHeaders: headers } : {}) });

describe('classifyError', () => {
  it.each([
    [429, 'retry'],
    [408, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [529, 'retry'],
    [400, 'fatal'],
    [422, 'fatal'],
    [401, 'fallback'],
    [403, 'fallback'],
    [404, 'fallback'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(classifyError(apiError(status)).kind).toBe(kind);
  });

  it('retries a connection failure (no status) and reads Retry-After from the response headers', () => {
    expect(classifyError(apiError(undefined)).kind).toBe('retry');
    expect(classifyError(apiError(429, { 'retry-after': '2' }))).toMatchObject({ kind: 'retry', retryAfterMs: 2000, status: 429 });
  });

  it('reads an in-stream provider error object', () => {
    expect(classifyError({ type: 'overloaded_error', message: 'Overloaded', statusCode: 529 })).toEqual({ kind: 'retry', status: 529, message: 'Overloaded' });
    expect(classifyError({ type: 'invalid_request_error', message: 'bad', statusCode: 400 }).kind).toBe('fatal');
  });

  it('stops on the gateway’s own refusals and on the caller’s abort, falls back on an open circuit', () => {
    expect(classifyError(new GatewayError('budget-exceeded', 'x', { hint: 'h' })).kind).toBe('fatal');
    expect(classifyError(new GatewayError('rate-limited', 'x', { hint: 'h' })).kind).toBe('fatal');
    expect(classifyError(new GatewayError('circuit-open', 'x', { hint: 'h' })).kind).toBe('fallback');
    expect(classifyError(new GatewayError('attempt-timeout', 'x', { hint: 'h' })).kind).toBe('retry');
    expect(classifyError(new DOMException('aborted', 'AbortError')).kind).toBe('fatal');
    expect(classifyError(new IncontextError('BAD_REQUEST', 'x')).kind).toBe('fatal');
  });

  it('gives gateway errors the HTTP status a server should answer with', () => {
    const e = new GatewayError('rate-limited', 'slow down', { hint: 'wait', retryAfterMs: 1500 });
    expect(IncontextError.isInstance(e)).toBe(true);
    expect(e.status).toBe(429);
    expect(e.hint).toBe('wait (retry after 2 s)');
    expect(new GatewayError('budget-exceeded', 'x', { hint: 'h' }).status).toBe(402);
    expect(new GatewayError('circuit-open', 'x', { hint: 'h' }).status).toBe(503);
  });
});
