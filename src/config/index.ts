export { configSchema, type Config, type ConfigInput } from './schema.js';
export { loadConfig, parseConfig, readConfigFile, CONFIG_FILES, ENV_KEYS, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { CONFIG_TEMPLATE } from './init.js';
