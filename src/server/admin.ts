/**
 * /api/admin: an admin key manages its own project's keys and secrets and reads its audit log.
 *
 * Projects are the operator's: creating one over HTTP would need a key above every project,
 * and such a key is the one thing a leaked credential must never be. So projects are created
 * with the CLI (`incontext projects create`), which also mints the first admin key; over HTTP
 * an admin sees only its own project and may delete only that one.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { IncontextError } from '../core/index.js';
import type { Incontext } from '../app/index.js';
import { forbidden, requireProject, requireScope, type AuditAction, type CreateKeyInput, type KeyLimits, type ListAuditOptions, type Principal, type Scope } from '../tenancy/index.js';
import { principalOf } from './auth.js';
import { readJson } from './errors.js';

const LimitsBody = z.strictObject({
  requestsPerMinute: z.number().int().positive().optional(),
  tokensPerMinute: z.number().int().positive().optional(),
  dailyUsd: z.number().positive().optional(),
  monthlyUsd: z.number().positive().optional(),
  maxBodyBytes: z.number().int().positive().optional(),
});

export const CreateKeyRequest = z.strictObject({
  name: z.string().min(1).max(200),
  scopes: z.array(z.enum(['ingest', 'query', 'admin'] as const satisfies readonly Scope[])).min(1),
  limits: LimitsBody.optional(),
  /** Epoch ms after which the key stops working. */
  expiresAt: z.number().int().positive().optional(),
});

export const SetSecretRequest = z.strictObject({ value: z.string().min(1) });

const AUDIT_ACTIONS = ['project.create', 'project.delete', 'key.create', 'key.revoke', 'secret.set', 'secret.delete', 'vault.rotate'] as const satisfies readonly AuditAction[];

const AuditQuery = z.strictObject({
  since: z.coerce.number().int().min(0).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  // The project is the key's; naming it is allowed (and checked by the auth middleware).
  project: z.string().optional(),
});

/** Every admin route runs behind the auth middleware, which always authenticates them; this is the second lock. */
function adminOf(c: Context): Principal {
  return requireScope(principalOf(c), 'admin');
}

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function adminRoutes(ic: Incontext): Hono {
  const api = new Hono();
  const tenancy = () => ic.tenancy();

  api.post('/keys', async (c) => {
    const admin = adminOf(c);
    const body = await readJson(c, CreateKeyRequest);
    const input: CreateKeyInput = { project: admin.project, name: body.name, scopes: body.scopes, actor: admin };
    if (body.limits) input.limits = defined(body.limits) as KeyLimits;
    if (body.expiresAt !== undefined) input.expiresAt = body.expiresAt;
    const created = await tenancy().createKey(input);
    // The one response that carries the key: it is stored hashed and cannot be shown again.
    return c.json({ id: created.id, secret: created.secret, key: created.info }, 201);
  });

  api.get('/keys', async (c) => {
    const admin = adminOf(c);
    const includeRevoked = c.req.query('includeRevoked') === 'true';
    return c.json({ keys: await tenancy().listKeys(admin.project, { includeRevoked }) });
  });

  api.delete('/keys/:id', async (c) => {
    const admin = adminOf(c);
    const id = c.req.param('id');
    // With `project`, another project's key is "not found": an admin learns nothing of other projects.
    await tenancy().revokeKey(id, { project: admin.project, actor: admin });
    return c.json({ revoked: id });
  });

  api.get('/projects', async (c) => {
    const admin = adminOf(c);
    const own = await tenancy().getProject(admin.project);
    return c.json({ projects: own ? [own] : [] });
  });

  api.post('/projects', (c) => {
    adminOf(c);
    throw forbidden('Projects are created by the operator, not over HTTP', 'Run `incontext projects create <id>` and then `incontext keys create --project <id> --scopes admin --name <name>` on the server.');
  });

  api.delete('/projects/:id', async (c) => {
    const admin = adminOf(c);
    const id = c.req.param('id');
    requireProject(admin, id);
    await tenancy().deleteProject(id, { force: c.req.query('force') === 'true', actor: admin });
    return c.json({ deleted: id });
  });

  const secretInfo = async (project: string, name: string) => (await tenancy().listSecrets(project)).find((s) => s.name === name);
  const noSecret = (name: string) =>
    new IncontextError('NOT_FOUND', `No secret "${name}" in this project`, { input: { key: 'name' }, hint: 'List the names with GET /api/admin/secrets.' });

  // Names and times only: a value leaves the vault for the model stack, never for a client.
  api.get('/secrets', async (c) => c.json({ secrets: await tenancy().listSecrets(adminOf(c).project) }));

  api.get('/secrets/:name', async (c) => {
    const info = await secretInfo(adminOf(c).project, c.req.param('name'));
    if (!info) throw noSecret(c.req.param('name'));
    return c.json(info);
  });

  api.put('/secrets/:name', async (c) => {
    const admin = adminOf(c);
    const name = c.req.param('name');
    const body = await readJson(c, SetSecretRequest);
    const existed = (await secretInfo(admin.project, name)) !== undefined;
    await tenancy().setSecret(admin.project, name, body.value, { actor: admin });
    return c.json(await secretInfo(admin.project, name), existed ? 200 : 201);
  });

  api.delete('/secrets/:name', async (c) => {
    const admin = adminOf(c);
    const name = c.req.param('name');
    if (!(await tenancy().deleteSecret(admin.project, name, { actor: admin }))) throw noSecret(name);
    return c.json({ deleted: name });
  });

  api.get('/audit', async (c) => {
    const admin = adminOf(c);
    const r = AuditQuery.safeParse(c.req.query());
    if (!r.success) {
      const issue = r.error.issues[0];
      const key = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.join('.') ?? '');
      throw new IncontextError('BAD_REQUEST', `Invalid query parameter "${key}": ${issue?.message ?? ''}`, { input: { key }, hint: `Filters: since (epoch ms), action (${AUDIT_ACTIONS.join(', ')}), limit (1-1000).` });
    }
    const { since, action, limit } = r.data;
    const options: ListAuditOptions = { project: admin.project };
    if (since !== undefined) options.since = since;
    if (action !== undefined) options.action = action;
    if (limit !== undefined) options.limit = limit;
    return c.json({ entries: await tenancy().listAudit(options) });
  });

  return api;
}
