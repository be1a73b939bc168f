export { createIncontext, type Incontext, type CreateIncontextOptions, type AskOptions, type QueryOptions, type Explanation } from './incontext.js';
export type { RetrieveMode } from '../retrieve/index.js';
export type { IngestReport, IngestFailure, IngestProgress, IngestOptions } from './ingest.js';
export * from '../core/index.js';
export { loadConfig, configSchema, CONFIG_TEMPLATE, type Config, type ConfigInput } from '../config/index.js';
export type { Store, StoredDocument } from '../store/index.js';
export type { Embedder } from '../embed/index.js';
export type { ProjectStats, Drift } from './stats.js';
export type { CallContext } from './models.js';
