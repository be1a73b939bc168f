/**
 * Budgets in the embedded SQLite file, so a day's spend survives a restart and
 * is shared by every process on the machine (the server and CLI runs alike).
 * Each reserve is one IMMEDIATE transaction: SQLite's write lock makes the
 * check-and-book atomic across processes, as the Lua scripts do in Redis.
 */
import type Database from 'better-sqlite3';
import { IncontextError, newId } from '../core/index.js';
import { openStageDatabase, type Migration } from '../store/index.js';
import type { BudgetLine, BudgetReservation, BudgetStore } from './types.js';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'budget spend and reservations',
    sql: `
      CREATE TABLE budget_totals (
        scope       TEXT NOT NULL,
        period      TEXT NOT NULL,
        spent_usd   REAL NOT NULL DEFAULT 0,
        reserved_usd REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (scope, period)
      );
      CREATE TABLE budget_reservations (
        id          TEXT PRIMARY KEY,
        lines       TEXT NOT NULL,
        amount_usd  REAL NOT NULL,
        expires_at  INTEGER NOT NULL,
        expired     INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX budget_reservations_expiry ON budget_reservations (expired, expires_at);
    `,
  },
];

const DAY = 86_400_000;

export class SqliteBudgetStore implements BudgetStore {
  private readonly db: Database.Database;
  private readonly reserveTx: (lines: readonly BudgetLine[], amountUsd: number, now: number, ttlMs: number) => BudgetReservation;
  private readonly settleTx: (id: string, actualUsd: number) => void;

  constructor(options: { path: string }) {
    this.db = openStageDatabase({ path: options.path, stage: 'budget', migrations: MIGRATIONS, table: 'budget_migrations' });
    const db = this.db;
    const get = db.prepare<[string, string], { spent_usd: number; reserved_usd: number }>('SELECT spent_usd, reserved_usd FROM budget_totals WHERE scope = ? AND period = ?');
    const add = db.prepare<{ scope: string; period: string; reserved: number; spent: number }>(
      `INSERT INTO budget_totals (scope, period, reserved_usd, spent_usd) VALUES (@scope, @period, @reserved, @spent)
       ON CONFLICT (scope, period) DO UPDATE SET reserved_usd = reserved_usd + @reserved, spent_usd = spent_usd + @spent`,
    );
    const bookAll = (lines: readonly { scope: string; period: string }[], reserved: number, spent: number) => {
      for (const l of lines) add.run({ scope: l.scope, period: l.period, reserved, spent });
    };
    const due = db.prepare<[number], { id: string; lines: string; amount_usd: number }>('SELECT id, lines, amount_usd FROM budget_reservations WHERE expired = 0 AND expires_at <= ?');
    const markExpired = db.prepare<[string]>('UPDATE budget_reservations SET expired = 1 WHERE id = ?');
    const forget = db.prepare<[number]>('DELETE FROM budget_reservations WHERE expired = 1 AND expires_at <= ?');
    const insert = db.prepare<[string, string, number, number]>('INSERT INTO budget_reservations (id, lines, amount_usd, expires_at) VALUES (?, ?, ?, ?)');
    const find = db.prepare<[string], { lines: string; amount_usd: number; expired: number }>('SELECT lines, amount_usd, expired FROM budget_reservations WHERE id = ?');
    const remove = db.prepare<[string]>('DELETE FROM budget_reservations WHERE id = ?');

    /** Expired reservations become spend; long-forgotten ones are dropped so the table stays bounded. */
    const sweep = (now: number) => {
      for (const r of due.all(now)) {
        bookAll(JSON.parse(r.lines) as BudgetLine[], -r.amount_usd, r.amount_usd);
        markExpired.run(r.id);
      }
      forget.run(now - DAY);
    };

    const reserveTx = db.transaction((lines: readonly BudgetLine[], amountUsd: number, now: number, ttlMs: number): BudgetReservation => {
        sweep(now);
        for (const line of lines) {
          const t = get.get(line.scope, line.period) ?? { spent_usd: 0, reserved_usd: 0 };
          if (t.spent_usd + t.reserved_usd + amountUsd > line.limitUsd) return { ok: false, line, spentUsd: t.spent_usd, reservedUsd: t.reserved_usd };
        }
        const id = newId('bud');
        insert.run(id, JSON.stringify(lines.map((l) => ({ scope: l.scope, period: l.period }))), amountUsd, now + ttlMs);
        bookAll(lines, amountUsd, 0);
        return { ok: true, id };
      });
    this.reserveTx = (lines, amountUsd, now, ttlMs) => reserveTx.immediate(lines, amountUsd, now, ttlMs);

    const settleTx = db.transaction((id: string, actualUsd: number) => {
        const r = find.get(id);
        if (!r) return;
        remove.run(id);
        const lines = JSON.parse(r.lines) as BudgetLine[];
        if (r.expired) bookAll(lines, 0, actualUsd - r.amount_usd);
        else bookAll(lines, -r.amount_usd, actualUsd);
      });
    this.settleTx = (id, actualUsd) => settleTx.immediate(id, actualUsd);
    this.usageStmt = get;
  }

  private readonly usageStmt: Database.Statement<[string, string], { spent_usd: number; reserved_usd: number }>;

  private run<T>(what: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(
        IncontextError.isInstance(err)
          ? err
          : new IncontextError('STORE_FAILED', `Budget ${what} failed: ${(err as Error).message}`, { hint: 'Check that the incontext.db file is writable and not on a network share.', cause: err }),
      );
    }
  }

  reserve(lines: readonly BudgetLine[], amountUsd: number, options: { now: number; ttlMs: number }): Promise<BudgetReservation> {
    return this.run('reserve', () => this.reserveTx(lines, amountUsd, options.now, options.ttlMs));
  }

  settle(id: string, actualUsd: number): Promise<void> {
    return this.run('settle', () => this.settleTx(id, actualUsd));
  }

  usage(scope: string, period: string): Promise<{ spentUsd: number; reservedUsd: number }> {
    return this.run('usage', () => {
      const t = this.usageStmt.get(scope, period);
      return { spentUsd: t?.spent_usd ?? 0, reservedUsd: t?.reserved_usd ?? 0 };
    });
  }

  close(): void {
    this.db.close();
  }
}
