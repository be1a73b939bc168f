import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { IncontextError } from '../core/index.js';
import { configSchema, type Config } from './schema.js';

export const CONFIG_FILES = ['incontext.config.json', 'incontext.config.yaml', 'incontext.config.yml'];

/** Environment variables that map onto config keys. Secrets (provider keys) are read where used, never stored in config. */
export const ENV_KEYS: Record<string, { key: string; type: 'string' | 'number' }> = {
  INCONTEXT_HOME: { key: 'home', type: 'string' },
  INCONTEXT_PROJECT: { key: 'project', type: 'string' },
  INCONTEXT_LOG_LEVEL: { key: 'logLevel', type: 'string' },
  INCONTEXT_MODEL: { key: 'model.default', type: 'string' },
  INCONTEXT_EMBED_MODEL: { key: 'embed.model', type: 'string' },
  INCONTEXT_PORT: { key: 'server.port', type: 'number' },
  INCONTEXT_HOST: { key: 'server.host', type: 'string' },
  INCONTEXT_REDIS_URL: { key: 'redis.url', type: 'string' },
  OTEL_EXPORTER_OTLP_ENDPOINT: { key: 'trace.otlpEndpoint', type: 'string' },
};

export interface LoadConfigOptions {
  /** Directory to look for incontext.config.* in (default: cwd). */
  cwd?: string;
  /** Explicit config file; missing file is an error. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence, as dotted keys (`{ 'retrieve.k': 8 }`) or nested objects. */
  flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, if any. */
  file?: string;
  /** `home` resolved to an absolute path. */
  homeDir: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(target: Obj, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    if (!isObj(cur[p])) cur[p] = {};
    cur = cur[p] as Obj;
  }
  cur[parts[parts.length - 1] as string] = value;
}

function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  }
  return out;
}

function lineOfOffset(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

export function readConfigFile(path: string): Obj {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new IncontextError('CONFIG_PARSE', `Cannot read config file: ${(cause as Error).message}`, {
      input: { path },
      hint: 'Check the path given with --config, or run `incontext init` to write one.',
      cause,
    });
  }
  if (/\.ya?ml$/i.test(path)) {
    const doc = parseDocument(text, { prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      throw new IncontextError('CONFIG_PARSE', `Invalid YAML: ${err.message.split('\n')[0]}`, {
        input: { path, line: err.linePos?.[0].line ?? lineOfOffset(text, err.pos[0]) },
        hint: 'Fix the YAML syntax at that line (indentation, a missing colon or quote).',
      });
    }
    const value: unknown = doc.toJS() ?? {};
    if (!isObj(value)) throw new IncontextError('CONFIG_PARSE', 'The config file must hold a mapping of keys', { input: { path } });
    return value;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!isObj(value)) throw new Error('the top level must be an object');
    return value;
  } catch (cause) {
    const m = /position (\d+)/.exec((cause as Error).message);
    throw new IncontextError('CONFIG_PARSE', `Invalid JSON: ${(cause as Error).message}`, {
      input: { path, ...(m ? { line: lineOfOffset(text, Number(m[1])) } : {}) },
      hint: 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause), or use YAML.',
      cause,
    });
  }
}

function envLayer(env: NodeJS.ProcessEnv): Obj {
  const out: Obj = {};
  for (const [name, { key, type }] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = type === 'number' ? Number(raw) : raw;
    if (type === 'number' && !Number.isFinite(value)) {
      throw new IncontextError('CONFIG_INVALID', `${name}=${raw} is not a number`, { input: { key: name }, hint: `Set ${name} to a number.` });
    }
    setPath(out, key, value);
  }
  return out;
}

function flagsLayer(flags: Record<string, unknown>): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) setPath(out, k, v);
  return out;
}

/** Keys allowed at a dotted path of the schema, for "did you mean" and "allowed keys" hints. */
function allowedKeysAt(path: PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const p of path) {
    const shape = objectShape(schema);
    const next = shape?.[String(p)];
    if (!next) return [];
    schema = next;
  }
  return Object.keys(objectShape(schema) ?? {});
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  // Unwrap defaults/prefaults/optionals/refinements down to the object.
  let s: z.ZodType = schema;
  for (let i = 0; i < 6; i++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    const inner = (s as unknown as { def?: { innerType?: z.ZodType; in?: z.ZodType } }).def;
    const next = inner?.innerType ?? inner?.in;
    if (!next) return undefined;
    s = next;
  }
  return undefined;
}

function nearest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

export function configError(issue: z.core.$ZodIssue, file?: string): IncontextError {
  const at = issue.path.map(String);
  const input = (key: string) => ({ key, ...(file ? { path: file } : {}) });
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path);
    const bad = issue.keys[0] ?? '';
    const key = [...at, bad].join('.');
    const guess = nearest(bad, allowed);
    return new IncontextError('CONFIG_UNKNOWN_KEY', `Unknown config key "${key}"${guess ? ` (did you mean "${[...at, guess].join('.')}"?)` : ''}`, {
      input: input(key),
      hint: `Allowed keys${at.length ? ` in "${at.join('.')}"` : ''}: ${allowed.join(', ')}.`,
    });
  }
  const key = at.join('.') || '(root)';
  const values = issue.code === 'invalid_value' ? ` Allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.` : '';
  return new IncontextError('CONFIG_INVALID', `Invalid config value for "${key}": ${issue.message}`, {
    input: input(key),
    hint: `Fix "${key}" in the config file, env or flags.${values}`,
  });
}

export function parseConfig(raw: unknown, file?: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw configError(result.error.issues[0] as z.core.$ZodIssue, file);
  return result.data;
}

/** Precedence: flags > env > config file > defaults. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let file: string | undefined;
  if (options.configPath) {
    file = resolve(cwd, options.configPath);
    if (!existsSync(file)) {
      throw new IncontextError('CONFIG_PARSE', 'Config file not found', { input: { path: file }, hint: 'Check the --config path, or run `incontext init`.' });
    }
  } else {
    file = CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  }
  const fileLayer = file ? readConfigFile(file) : {};
  const merged = deepMerge(deepMerge(fileLayer, envLayer(env)), flagsLayer(options.flags ?? {}));
  const config = parseConfig(merged, file);
  const homeDir = isAbsolute(config.home) ? config.home : resolve(cwd, config.home);
  return { config, homeDir, ...(file ? { file } : {}) };
}
