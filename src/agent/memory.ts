/**
 * Conversation memory in SQLite (the same `incontext.db` as everything else, its own tables).
 *
 * A session is a list of turns; a turn is the user's message and everything the run added
 * (assistant text, tool calls, tool results). The window keeps whole turns, newest first: cutting
 * inside a turn can leave a tool result without the call that asked for it, which providers
 * refuse with a 400 (a common failure of last-N-messages memories).
 */
import type Database from 'better-sqlite3';
import type { ModelMessage } from 'ai';
import { countTokens } from '../chunk/index.js';
import { IncontextError } from '../core/index.js';
import { openStageDatabase, type Migration } from '../store/index.js';
import type { AgentMemory, MemoryWindow, SessionInfo } from './types.js';

export const DEFAULT_WINDOW: Required<MemoryWindow> = { maxMessages: 40, maxTokens: 8000 };
const SESSION_RE = /^[A-Za-z0-9._:-]{1,128}$/;

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'agent sessions and messages',
    sql: `
      CREATE TABLE agent_sessions (
        project_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        turns      INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, session_id)
      );
      CREATE TABLE agent_messages (
        project_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        turn       INTEGER NOT NULL,
        seq        INTEGER NOT NULL,
        role       TEXT NOT NULL,
        message    TEXT NOT NULL,
        tokens     INTEGER NOT NULL,
        PRIMARY KEY (project_id, session_id, turn, seq)
      );
    `,
  },
];

export function checkSession(session: string): string {
  if (!SESSION_RE.test(session)) {
    throw new IncontextError('BAD_REQUEST', `Invalid session id "${session.slice(0, 40)}"`, {
      input: { key: 'session' },
      hint: 'Session ids are 1-128 letters, digits, ., _, : or -.',
    });
  }
  return session;
}

/** Text of a message for the token estimate: text parts, tool inputs and outputs as JSON. */
function messageTokens(m: ModelMessage): number {
  return countTokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content));
}

interface Row {
  turn: number;
  message: string;
  tokens: number;
}

/** Whole turns from the newest back, while both limits hold; the newest turn alone may not fit, then nothing does. */
export function windowTurns(rows: readonly Row[], window: MemoryWindow = {}): Row[] {
  const maxMessages = window.maxMessages ?? DEFAULT_WINDOW.maxMessages;
  const maxTokens = window.maxTokens ?? DEFAULT_WINDOW.maxTokens;
  const byTurn = new Map<number, Row[]>();
  for (const r of rows) byTurn.set(r.turn, [...(byTurn.get(r.turn) ?? []), r]);
  const turns = [...byTurn.keys()].sort((a, b) => b - a);
  const kept: Row[][] = [];
  let messages = 0;
  let tokens = 0;
  for (const t of turns) {
    const rs = byTurn.get(t) ?? [];
    const n = rs.reduce((s, r) => s + r.tokens, 0);
    if (messages + rs.length > maxMessages || tokens + n > maxTokens) break;
    messages += rs.length;
    tokens += n;
    kept.unshift(rs);
  }
  return kept.flat();
}

export interface SqliteAgentMemoryOptions {
  /** The SQLite file (`incontext.db`), or ':memory:'. */
  path: string;
  clock?: () => number;
}

export function openSqliteAgentMemory(options: SqliteAgentMemoryOptions): AgentMemory {
  const db: Database.Database = openStageDatabase({ path: options.path, stage: 'agent memory', migrations: MIGRATIONS, table: 'agent_migrations' });
  const now = options.clock ?? Date.now;
  const q = {
    // Rows of the newest turns only: a long session is never read whole.
    recent: db.prepare<[string, string, string, string, number], Row>(
      `SELECT turn, message, tokens FROM agent_messages WHERE project_id = ? AND session_id = ? AND turn > (
         SELECT COALESCE(MAX(turn), 0) FROM agent_messages WHERE project_id = ? AND session_id = ?) - ?
       ORDER BY turn, seq`,
    ),
    session: db.prepare<[string, string], { turns: number }>('SELECT turns FROM agent_sessions WHERE project_id = ? AND session_id = ?'),
    upsert: db.prepare<[string, string, number, number]>(
      `INSERT INTO agent_sessions (project_id, session_id, turns, created_at, updated_at) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (project_id, session_id) DO UPDATE SET turns = turns + 1, updated_at = excluded.updated_at`,
    ),
    insert: db.prepare<[string, string, number, number, string, string, number]>(
      'INSERT INTO agent_messages (project_id, session_id, turn, seq, role, message, tokens) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    list: db.prepare<[string, number], { session_id: string; turns: number; created_at: number; updated_at: number; messages: number }>(
      `SELECT s.session_id, s.turns, s.created_at, s.updated_at,
              (SELECT COUNT(*) FROM agent_messages m WHERE m.project_id = s.project_id AND m.session_id = s.session_id) AS messages
       FROM agent_sessions s WHERE s.project_id = ? ORDER BY s.updated_at DESC LIMIT ?`,
    ),
    deleteMessages: db.prepare<[string, string]>('DELETE FROM agent_messages WHERE project_id = ? AND session_id = ?'),
    deleteSession: db.prepare<[string, string]>('DELETE FROM agent_sessions WHERE project_id = ? AND session_id = ?'),
    deleteProjectMessages: db.prepare<[string]>('DELETE FROM agent_messages WHERE project_id = ?'),
    deleteProjectSessions: db.prepare<[string]>('DELETE FROM agent_sessions WHERE project_id = ?'),
  };

  const append = db.transaction((project: string, session: string, messages: readonly ModelMessage[]) => {
    const t = now();
    q.upsert.run(project, session, t, t);
    const turn = q.session.get(project, session)?.turns ?? 1;
    messages.forEach((m, i) => q.insert.run(project, session, turn, i, m.role, JSON.stringify(m), messageTokens(m)));
  });
  const remove = db.transaction((project: string, session: string) => {
    q.deleteMessages.run(project, session);
    return q.deleteSession.run(project, session).changes > 0;
  });

  const removeProject = db.transaction((project: string) => {
    q.deleteProjectMessages.run(project);
    return q.deleteProjectSessions.run(project).changes;
  });

  return {
    async load(project, session, window = {}) {
      checkSession(session);
      // At most one message per turn can be dropped, so maxMessages turns bound the read.
      const rows = q.recent.all(project, checkSession(session), project, session, window.maxMessages ?? DEFAULT_WINDOW.maxMessages);
      return windowTurns(rows, window).map((r) => JSON.parse(r.message) as ModelMessage);
    },
    async appendTurn(project, session, messages) {
      if (messages.length === 0) return;
      append(project, checkSession(session), messages);
    },
    async listSessions(project, o = {}) {
      return q.list.all(project, Math.min(Math.max(o.limit ?? 100, 1), 1000)).map(
        (r): SessionInfo => ({ session: r.session_id, turns: r.turns, messages: r.messages, createdAt: r.created_at, updatedAt: r.updated_at }),
      );
    },
    async deleteSession(project, session) {
      return remove(project, checkSession(session));
    },
    async deleteProject(project) {
      return removeProject(project);
    },
    async close() {
      db.close();
    },
  };
}
