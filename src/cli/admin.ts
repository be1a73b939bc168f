/**
 * The operator's side of tenancy: projects, API keys, vault secrets and the audit log.
 * Every action is recorded with the actor `cli`. Secret values come from standard input only:
 * an argument would land in shell history and in every `ps` listing.
 */
import type { Command } from 'commander';
import type { Incontext, KeyLimits, Scope } from '../app/index.js';
import { SCOPES, type ApiKeyInfo, type AuditAction, type CreateKeyInput, type ListAuditOptions } from '../tenancy/index.js';
import { open } from './commands.js';
import { EXIT, printJson, usageError } from './output.js';

const ACTOR = 'cli';

function positiveNumber(name: string, integer: boolean) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw usageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
    return n;
  };
}

function scopeList(v: string): Scope[] {
  const scopes = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) throw usageError(`Unknown scope "${s}"`, `Scopes are ${SCOPES.join(', ')} (admin implies the others), e.g. --scopes query,ingest.`);
  }
  if (!scopes.length) throw usageError('--scopes needs at least one scope', 'e.g. --scopes query,ingest');
  return scopes as Scope[];
}

async function withIc<T>(cmd: Command, run: (ic: Incontext, json: boolean) => Promise<T>): Promise<T> {
  const { ic, json } = open(cmd);
  try {
    return await run(ic, json);
  } finally {
    await ic.close();
  }
}

const time = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

/** The whole of standard input; on a terminal, read without echo so the value never shows on screen. */
async function readSecretValue(): Promise<string> {
  const stdin = process.stdin;
  let text: string;
  if (stdin.isTTY) {
    process.stderr.write('value (hidden, Enter to finish): ');
    text = await new Promise<string>((resolve) => {
      let value = '';
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            process.exit(130);
          }
          value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } else {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    // One trailing newline is what `echo` adds; anything else belongs to the value.
    text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (!text) throw usageError('No secret value on standard input', 'Pipe it in, e.g. printf %s "$OPENAI_API_KEY" | incontext secrets set OPENAI_API_KEY');
  return text;
}

function keyRow(k: ApiKeyInfo): string {
  const state = k.revokedAt !== undefined ? `revoked ${time(k.revokedAt)}` : k.expiresAt !== undefined && k.expiresAt <= Date.now() ? 'expired' : 'active';
  const limits = Object.entries(k.limits).map(([n, v]) => `${n}=${v}`).join(' ');
  return `${k.id}  ${k.displayPrefix}…  ${k.name.padEnd(20)} ${k.scopes.join(',').padEnd(18)} ${state.padEnd(8)} last used ${time(k.lastUsedAt)}${limits ? `  ${limits}` : ''}\n`;
}

export function registerAdminCommands(program: Command, setExit: (code: number) => void): void {
  const projects = program.command('projects').description('projects (tenants): each has its own documents, traces, keys and secrets');
  projects
    .command('create')
    .description('create a project; then give it an admin key with `incontext keys create --project <id> --scopes admin`')
    .argument('<id>', 'lowercase letters, digits, - and _')
    .option('--name <name>', 'display name (default: the id)')
    .action(async function (this: Command, id: string, o: { name?: string }) {
      await withIc(this, async (ic, json) => {
        const p = await ic.tenancy().createProject(id, { actor: ACTOR, ...(o.name ? { name: o.name } : {}) });
        if (json) printJson(p);
        else process.stdout.write(`created project ${p.id}\n`);
      });
    });
  projects
    .command('list')
    .description('list projects')
    .action(async function (this: Command) {
      await withIc(this, async (ic, json) => {
        const list = await ic.tenancy().listProjects();
        if (json) return printJson({ projects: list });
        for (const p of list) process.stdout.write(`${p.id.padEnd(24)} ${p.name.padEnd(24)} created ${time(p.createdAt)}\n`);
      });
    });
  projects
    .command('rm')
    .description('delete a project with its keys and secrets; refused while it has documents unless --force')
    .argument('<id>', 'project id')
    .option('--force', 'also delete its documents and traces')
    .action(async function (this: Command, id: string, o: { force?: boolean }) {
      await withIc(this, async (ic, json) => {
        await ic.tenancy().deleteProject(id, { actor: ACTOR, force: o.force === true });
        if (json) printJson({ deleted: id });
        else process.stdout.write(`deleted project ${id}\n`);
      });
    });

  const keys = program.command('keys').description('API keys of a project (the global --project, default "default")');
  keys
    .command('create')
    .description('create an API key; the key is printed once and stored only as a hash')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')} (admin implies the others)`, scopeList)
    .requiredOption('--name <name>', 'who uses it, e.g. ci-ingest or support-bot')
    .option('--rpm <n>', 'requests per minute', positiveNumber('rpm', true))
    .option('--tpm <n>', 'tokens per minute', positiveNumber('tpm', true))
    .option('--daily-usd <usd>', 'model spend per day', positiveNumber('daily-usd', false))
    .option('--monthly-usd <usd>', 'model spend per month', positiveNumber('monthly-usd', false))
    .option('--max-body-bytes <n>', 'largest request body', positiveNumber('max-body-bytes', true))
    .option('--expires-days <n>', 'stop working after n days', positiveNumber('expires-days', false))
    .action(async function (this: Command, o: { scopes: Scope[]; name: string; rpm?: number; tpm?: number; dailyUsd?: number; monthlyUsd?: number; maxBodyBytes?: number; expiresDays?: number }) {
      await withIc(this, async (ic, json) => {
        const limits: KeyLimits = {};
        if (o.rpm !== undefined) limits.requestsPerMinute = o.rpm;
        if (o.tpm !== undefined) limits.tokensPerMinute = o.tpm;
        if (o.dailyUsd !== undefined) limits.dailyUsd = o.dailyUsd;
        if (o.monthlyUsd !== undefined) limits.monthlyUsd = o.monthlyUsd;
        if (o.maxBodyBytes !== undefined) limits.maxBodyBytes = o.maxBodyBytes;
        const input: CreateKeyInput = { project: ic.config.project, scopes: o.scopes, name: o.name, limits, actor: ACTOR };
        if (o.expiresDays !== undefined) input.expiresAt = Date.now() + o.expiresDays * 86_400_000;
        const k = await ic.tenancy().createKey(input);
        if (json) return printJson({ id: k.id, secret: k.secret, key: k.info });
        process.stderr.write(`created key ${k.id} (${k.info.scopes.join(', ')}) for project ${k.info.project}; store it now, it is not shown again:\n`);
        process.stdout.write(`${k.secret}\n`);
      });
    });
  keys
    .command('list')
    .description('list keys of the project (never the keys themselves)')
    .option('--all', 'include revoked keys')
    .action(async function (this: Command, o: { all?: boolean }) {
      await withIc(this, async (ic, json) => {
        const list = await ic.tenancy().listKeys(ic.config.project, { includeRevoked: o.all === true });
        if (json) return printJson({ keys: list });
        if (!list.length) return void process.stdout.write(`no keys in project ${ic.config.project}\n`);
        for (const k of list) process.stdout.write(keyRow(k));
      });
    });
  keys
    .command('revoke')
    .description('revoke a key by id (see keys list); it stops working at once')
    .argument('<id>', 'key id')
    .action(async function (this: Command, id: string) {
      await withIc(this, async (ic, json) => {
        await ic.tenancy().revokeKey(id, { actor: ACTOR });
        if (json) printJson({ revoked: id });
        else process.stdout.write(`revoked ${id}\n`);
      });
    });

  const secrets = program.command('secrets').description(`provider credentials of the project, encrypted under INCONTEXT_MASTER_KEY`);
  secrets
    .command('set')
    .description('store a secret; the value is read from standard input, never from the command line')
    .argument('<name>', 'e.g. OPENAI_API_KEY')
    .allowExcessArguments(false)
    .action(async function (this: Command, name: string) {
      const value = await readSecretValue();
      await withIc(this, async (ic, json) => {
        const t = ic.tenancy();
        await t.setSecret(ic.config.project, name, value, { actor: ACTOR });
        const info = (await t.listSecrets(ic.config.project)).find((s) => s.name === name);
        if (json) printJson(info ?? { name });
        else process.stdout.write(`stored ${name} in project ${ic.config.project}\n`);
      });
    });
  secrets
    .command('list')
    .description('names and times of the secrets (never the values)')
    .action(async function (this: Command) {
      await withIc(this, async (ic, json) => {
        const list = await ic.tenancy().listSecrets(ic.config.project);
        if (json) return printJson({ secrets: list });
        for (const s of list) process.stdout.write(`${s.name.padEnd(32)} updated ${time(s.updatedAt)}\n`);
      });
    });
  secrets
    .command('rm')
    .description('delete a secret')
    .argument('<name>', 'secret name')
    .action(async function (this: Command, name: string) {
      await withIc(this, async (ic, json) => {
        const removed = await ic.tenancy().deleteSecret(ic.config.project, name, { actor: ACTOR });
        if (json) printJson({ removed, name });
        else process.stdout.write(removed ? `deleted ${name}\n` : `no secret ${name} in project ${ic.config.project}\n`);
        if (!removed) setExit(EXIT.failed);
      });
    });

  program
    .command('audit')
    .description('admin actions (projects, keys, secrets), newest first; every project unless --project is given')
    .option('--limit <n>', 'how many (at most 1000)', positiveNumber('limit', true), 100)
    .option('--action <action>', 'only this action, e.g. key.create')
    .option('--since <date>', 'only entries at or after this ISO date')
    .action(async function (this: Command, o: { limit: number; action?: AuditAction; since?: string }) {
      const project = this.optsWithGlobals<{ project?: string }>().project ?? process.env.INCONTEXT_PROJECT;
      const since = o.since === undefined ? undefined : Date.parse(o.since);
      if (since !== undefined && Number.isNaN(since)) throw usageError(`--since is not a date: "${o.since}"`, 'e.g. --since 2026-01-31 or --since 2026-01-31T12:00:00Z');
      await withIc(this, async (ic, json) => {
        const options: ListAuditOptions = { limit: Math.min(o.limit, 1000) };
        if (project) options.project = project;
        if (o.action) options.action = o.action;
        if (since !== undefined) options.since = since;
        const entries = await ic.tenancy().listAudit(options);
        if (json) return printJson({ entries });
        for (const e of entries) {
          const detail = Object.keys(e.detail).length ? `  ${JSON.stringify(e.detail)}` : '';
          process.stdout.write(`${time(e.at)}  ${e.actor.padEnd(28)} ${e.project.padEnd(16)} ${e.action.padEnd(14)} ${e.target}${detail}\n`);
        }
      });
    });
}
