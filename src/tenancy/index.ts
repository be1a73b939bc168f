export type * from './types.js';
export { createTenancy } from './tenancy.js';
export { requireScope, requireProject, hasScope, unauthorized, forbidden, SCOPES } from './errors.js';
export { apiKeyFromHeaders, authenticateRequest, authorize, type HeaderGetter } from './request.js';
export { jsonDepth, parseJsonLimited, safeUploadName, DEFAULT_MAX_JSON_DEPTH } from './limits.js';
export { MASTER_KEY_ENV } from './vault-crypto.js';
export { KEY_LENGTH } from './token.js';
export { openProjectSecrets, type ProjectSecretsReader, type ProjectSecretsOptions } from './provider-secrets.js';
