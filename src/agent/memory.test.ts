import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { openSqliteAgentMemory, windowTurns } from './memory.js';

const user = (text: string): ModelMessage => ({ role: 'user', content: text });
const assistant = (text: string): ModelMessage => ({ role: 'assistant', content: text });
const call = (id: string): ModelMessage => ({ role: 'assistant', content: [{ type: 'tool-call', toolCallId: id, toolName: 'search', input: { query: 'q' } }] });
const result = (id: string): ModelMessage => ({ role: 'tool', content: [{ type: 'tool-result', toolCallId: id, toolName: 'search', output: { type: 'json', value: { hits: [] } } }] });

describe('SQLite agent memory', () => {
  it('keeps turns in order across reopening the file, tool calls and results included', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ic-mem-')), 'incontext.db');
    let m = openSqliteAgentMemory({ path });
    await m.appendTurn('p', 's1', [user('hi'), call('c1'), result('c1'), assistant('hello')]);
    await m.close();
    m = openSqliteAgentMemory({ path });
    await m.appendTurn('p', 's1', [user('again'), assistant('yes')]);
    expect(await m.load('p', 's1')).toEqual([user('hi'), call('c1'), result('c1'), assistant('hello'), user('again'), assistant('yes')]);
    expect(await m.listSessions('p')).toEqual([{ session: 's1', turns: 2, messages: 6, createdAt: expect.any(Number), updatedAt: expect.any(Number) }]);
    await m.close();
  });

  it('a session id is per project: another project sees an empty session and cannot delete it', async () => {
    const m = openSqliteAgentMemory({ path: ':memory:' });
    await m.appendTurn('alpha', 'shared', [user('alpha secret'), assistant('noted')]);
    expect(await m.load('beta', 'shared')).toEqual([]);
    expect(await m.listSessions('beta')).toEqual([]);
    expect(await m.deleteSession('beta', 'shared')).toBe(false);
    await m.appendTurn('beta', 'shared', [user('beta turn'), assistant('ok')]);
    expect(await m.load('alpha', 'shared')).toEqual([user('alpha secret'), assistant('noted')]);
    expect(await m.load('beta', 'shared')).toEqual([user('beta turn'), assistant('ok')]);
    expect(await m.deleteSession('alpha', 'shared')).toBe(true);
    expect(await m.load('alpha', 'shared')).toEqual([]);
    expect(await m.load('beta', 'shared')).toHaveLength(2);
    expect(await m.deleteProject('beta')).toBe(1);
    expect(await m.load('beta', 'shared')).toEqual([]);
    await m.close();
  });

  it('the window drops whole old turns, so a tool result never loses its call', async () => {
    const m = openSqliteAgentMemory({ path: ':memory:' });
    for (let i = 0; i < 5; i++) await m.appendTurn('p', 's', [user(`q${i}`), call(`c${i}`), result(`c${i}`), assistant(`a${i}`)]);
    // 6 messages allow one whole turn of 4, not one and a half.
    const w = await m.load('p', 's', { maxMessages: 6 });
    expect(w).toEqual([user('q4'), call('c4'), result('c4'), assistant('a4')]);
    expect(w[0]?.role).toBe('user');
    expect(await m.load('p', 's', { maxMessages: 8 })).toHaveLength(8);
    await m.close();
  });

  it('the token limit counts whole turns too, and a turn over the limit alone is left out', () => {
    const rows = [
      { turn: 1, message: '"a"', tokens: 10 },
      { turn: 2, message: '"b"', tokens: 30 },
      { turn: 2, message: '"c"', tokens: 30 },
      { turn: 3, message: '"d"', tokens: 20 },
    ];
    expect(windowTurns(rows, { maxTokens: 85 }).map((r) => r.message)).toEqual(['"b"', '"c"', '"d"']);
    expect(windowTurns(rows, { maxTokens: 50 }).map((r) => r.message)).toEqual(['"d"']);
    expect(windowTurns(rows, { maxTokens: 10 })).toEqual([]);
  });

  it('refuses a malformed session id with the key and a hint', async () => {
    const m = openSqliteAgentMemory({ path: ':memory:' });
    await expect(m.load('p', 'bad id/../x')).rejects.toMatchObject({ code: 'BAD_REQUEST', input: { key: 'session' } });
    await m.close();
  });
});
