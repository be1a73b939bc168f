import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_TEMPLATE, loadConfig, parseConfig } from './index.js';
import { thrownError as catchErr } from '../testing/index.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'ic-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}


describe('config', () => {
  it('has working defaults', () => {
    const { config, homeDir } = loadConfig({ cwd: dir({}), env: {} });
    expect(config.project).toBe('default');
    expect(config.chunk).toEqual({
      strategy: 'auto',
      size: 384,
      overlap: 48,
      semantic: { enabled: false, percentile: 90, window: 2 },
      parent: { enabled: false, size: 1024 },
    });
    expect(config.retrieve.weights).toEqual({ vector: 0.3, keyword: 1 });
    expect(homeDir.endsWith('.incontext')).toBe(true);
  });

  it('applies flags > env > file > defaults', () => {
    const cwd = dir({ 'incontext.config.json': JSON.stringify({ project: 'from-file', retrieve: { k: 3 }, model: { default: 'ollama:x' } }) });
    const env = { INCONTEXT_PROJECT: 'from-env', INCONTEXT_MODEL: 'openai:gpt-4o-mini' };
    const a = loadConfig({ cwd, env });
    expect(a.config.project).toBe('from-env');
    expect(a.config.retrieve.k).toBe(3);
    expect(a.config.model.default).toBe('openai:gpt-4o-mini');
    const b = loadConfig({ cwd, env, flags: { project: 'from-flag', 'retrieve.k': 9 } });
    expect(b.config.project).toBe('from-flag');
    expect(b.config.retrieve.k).toBe(9);
  });

  it('names an unknown key, suggests the right one and lists the allowed keys', () => {
    const cwd = dir({ 'incontext.config.yaml': 'chunk:\n  size: 200\n  overlapp: 20\n' });
    const err = catchErr(() => loadConfig({ cwd, env: {} }));
    expect(err.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(err.input?.key).toBe('chunk.overlapp');
    expect(err.input?.path).toMatch(/incontext\.config\.yaml$/);
    expect(err.message).toContain('did you mean "chunk.overlap"');
    expect(err.hint).toContain('strategy, size, overlap');
  });

  it('names a bad enum value and its allowed values', () => {
    const err = catchErr(() => parseConfig({ retrieve: { mode: 'semantic' } }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.input?.key).toBe('retrieve.mode');
    expect(err.hint).toContain('"hybrid", "vector", "keyword"');
  });

  it('rejects overlap >= size naming chunk.overlap', () => {
    const err = catchErr(() => parseConfig({ chunk: { size: 100, overlap: 100 } }));
    expect(err.input?.key).toBe('chunk.overlap');
  });

  it('checks the semantic and parent chunk settings, naming the nested key', () => {
    const typo = catchErr(() => parseConfig({ chunk: { semantic: { enabled: true, percentil: 80 } } }));
    expect(typo.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(typo.input?.key).toBe('chunk.semantic.percentil');
    expect(typo.message).toContain('did you mean "chunk.semantic.percentile"');
    expect(typo.hint).toContain('enabled, percentile, window, minSize');
    expect(catchErr(() => parseConfig({ chunk: { semantic: { percentile: 100 } } })).input?.key).toBe('chunk.semantic.percentile');
    expect(catchErr(() => parseConfig({ chunk: { size: 128, overlap: 0, semantic: { minSize: 128 } } })).input?.key).toBe('chunk.semantic.minSize');
    expect(catchErr(() => parseConfig({ chunk: { size: 512, parent: { enabled: true, size: 512 } } })).input?.key).toBe('chunk.parent.size');
    // A parent size below the chunk size only matters when parents are on.
    expect(parseConfig({ chunk: { size: 512, parent: { size: 256 } } }).chunk.parent).toEqual({ enabled: false, size: 256 });
    const on = parseConfig({ chunk: { strategy: 'markdown', size: 256, semantic: { enabled: true, minSize: 32 }, parent: { enabled: true } } });
    expect(on.chunk.semantic).toEqual({ enabled: true, percentile: 90, window: 2, minSize: 32 });
    expect(on.chunk.parent).toEqual({ enabled: true, size: 1024 });
  });

  it('reports the line of a YAML syntax error', () => {
    const cwd = dir({ 'incontext.config.yaml': 'project: a\nchunk:\n  size: [1, 2\n' });
    const err = catchErr(() => loadConfig({ cwd, env: {} }));
    expect(err.code).toBe('CONFIG_PARSE');
    expect(err.input?.line).toBeGreaterThanOrEqual(3);
  });

  it('rejects a non-numeric INCONTEXT_PORT naming the variable', () => {
    const err = catchErr(() => loadConfig({ cwd: dir({}), env: { INCONTEXT_PORT: 'eighty' } }));
    expect(err.input?.key).toBe('INCONTEXT_PORT');
  });

  it('the init template is valid config', () => {
    const cwd = dir({ 'incontext.config.yaml': CONFIG_TEMPLATE });
    expect(loadConfig({ cwd, env: {} }).config.server.port).toBe(8686);
  });
});
