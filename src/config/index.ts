export {
  configSchema,
  guardSchema,
  guardPolicySchema,
  guardPolicyOverrideSchema,
  GUARD_PII_LABELS,
  type Config,
  type ConfigInput,
  type GuardConfig,
  type GuardConfigInput,
  type GuardPolicyConfig,
  type GuardPolicyOverride,
} from './schema.js';
export { loadConfig, parseConfig, readConfigFile, CONFIG_FILES, ENV_KEYS, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { CONFIG_TEMPLATE } from './init.js';
