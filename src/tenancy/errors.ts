import { IncontextError } from '../core/index.js';
import type { Actor, KeyRejection, Principal, Scope } from './types.js';

export const SCOPES: readonly Scope[] = ['ingest', 'query', 'admin'];

const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_SECRET_BYTES = 64 * 1024;

export function badRequest(message: string, key: string, hint: string): IncontextError {
  return new IncontextError('BAD_REQUEST', message, { input: { key }, hint });
}

export function notFound(what: string, id: string, key: string, hint: string): IncontextError {
  return new IncontextError('NOT_FOUND', `No ${what} "${id}"`, { input: { key }, hint });
}

export function checkProjectId(id: string): string {
  if (typeof id !== 'string' || !PROJECT_ID.test(id)) {
    throw badRequest(`Invalid project id ${JSON.stringify(id)}`, 'project', 'Use 1-63 characters: lowercase letters, digits, "-" and "_", starting with a letter or digit.');
  }
  return id;
}

export function checkSecretName(name: string): string {
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
    throw badRequest(`Invalid secret name ${JSON.stringify(name)}`, 'name', 'Use 1-128 characters: letters, digits, ".", "-" and "_", starting with a letter or digit (e.g. OPENAI_API_KEY).');
  }
  return name;
}

export function checkSecretValue(value: string): string {
  if (typeof value !== 'string' || value.length === 0) throw badRequest('A secret value must be a non-empty string', 'value', 'Pass the secret as a string.');
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) throw badRequest(`A secret value is limited to ${MAX_SECRET_BYTES} bytes`, 'value', 'Store large credentials (files, certificates) outside the vault and keep only a reference here.');
  return value;
}

export function checkScopes(scopes: readonly Scope[]): Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw badRequest('A key needs at least one scope', 'scopes', `Pick from ${SCOPES.join(', ')}.`);
  for (const s of scopes) {
    if (!SCOPES.includes(s)) throw badRequest(`Unknown scope ${JSON.stringify(s)}`, 'scopes', `Scopes are ${SCOPES.join(', ')}.`);
  }
  return [...new Set(scopes)].sort();
}

export function actorName(actor: Actor | undefined): string {
  if (actor === undefined) return 'local';
  return typeof actor === 'string' ? actor : actor.keyId;
}

const REJECTION: Record<KeyRejection, string> = {
  missing: 'No API key was sent',
  malformed: 'The API key is not in the incontext format',
  invalid: 'The API key is not valid',
  revoked: 'The API key was revoked',
  expired: 'The API key has expired',
};

/** 401 for a request without a usable key. `invalid` covers unknown prefixes and wrong secrets alike. */
export function unauthorized(reason: KeyRejection): IncontextError {
  const hint =
    reason === 'missing' || reason === 'malformed'
      ? 'Send the key as "Authorization: Bearer ic_..." (create one with `incontext keys create`).'
      : 'Ask a project admin for a new key (`incontext keys create`); keys are shown only once when created.';
  return new IncontextError('UNAUTHORIZED', REJECTION[reason], { hint });
}

/**
 * 403: the key is valid but may not do this. Core has no FORBIDDEN code yet, so this is
 * UNAUTHORIZED with status 403; switch the code here when core gains one.
 */
export function forbidden(message: string, hint: string): IncontextError {
  return new IncontextError('FORBIDDEN', message, { hint });
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

/** Throws 401 without a principal and 403 when it lacks `scope` (admin implies every scope). */
export function requireScope(principal: Principal | undefined, scope: Scope): Principal {
  if (!principal) throw unauthorized('missing');
  if (!hasScope(principal, scope)) {
    throw forbidden(`This API key lacks the "${scope}" scope (it has ${principal.scopes.join(', ')})`, `Use a key with the "${scope}" scope, or ask a project admin to create one: \`incontext keys create --scopes ${scope}\`.`);
  }
  return principal;
}

/** Throws 403 when a key of one project addresses another project. */
export function requireProject(principal: Principal | undefined, project: string): Principal {
  if (!principal) throw unauthorized('missing');
  if (principal.project !== project) {
    throw forbidden(`This API key belongs to project "${principal.project}", not "${project}"`, 'Use a key created for that project; keys never cross projects.');
  }
  return principal;
}
