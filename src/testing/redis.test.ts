import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from './index.js';

function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(command));
    socket.on('data', (c) => {
      reply += c.toString();
      if (reply.endsWith('\r\n')) {
        socket.destroy();
        resolve(reply);
      }
    });
  });
}

describe('startRedisServer', () => {
  it('starts a private server on a free port, without persistence, and stops it', async () => {
    const a = await startRedisServer();
    const b = await startRedisServer();
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.url).toBe(`redis://127.0.0.1:${a.port}`);
      expect(await send(a.port, 'SET k v\r\n')).toBe('+OK\r\n');
      // Two servers never share data.
      expect(await send(b.port, 'GET k\r\n')).toBe('$-1\r\n');
      expect(await send(a.port, 'CONFIG GET save\r\n')).toContain('$0\r\n\r\n');
    } finally {
      await a.stop();
      await b.stop();
    }
    await expect(send(a.port, 'PING\r\n')).rejects.toThrow(/ECONNREFUSED/);
    await a.stop(); // idempotent
  });

  it('puts the password in the URL and requires it', async () => {
    const server = await startRedisServer({ password: 'p@ss word' });
    try {
      expect(server.url).toBe(`redis://:p%40ss%20word@127.0.0.1:${server.port}`);
      expect(await send(server.port, 'GET k\r\n')).toMatch(/^-NOAUTH/);
    } finally {
      await server.stop();
    }
  });

  it('says how to install redis-server when the binary is missing', async () => {
    const error = await startRedisServer({ binary: 'redis-server-that-does-not-exist' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTERNAL', hint: expect.stringMatching(/scripts\/setup-services\.sh/) });
    expect((error as Error).message).toMatch(/not installed/);
  });
});
