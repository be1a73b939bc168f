import { describe, expect, it } from 'vitest';
import { createInjectionDetector } from '../detector.js';
import { createOutputGuard } from './guard.js';
import {
  decisionAttributes,
  decisionsFromReport,
  guardSchema,
  guardPolicySchema,
  outputGuardOptions,
  resolvePolicy,
  validationOptions,
} from './policy.js';

describe('guard policies', () => {
  it('has safe defaults: injection flagged on input, dropped in retrieval, canaries and leaks blocked', () => {
    const p = resolvePolicy(undefined, 'default');
    expect(p).toEqual(guardPolicySchema.parse({}));
    expect(p.input).toEqual({ injection: 'flag', pii: 'off' });
    expect(p.retrieval).toEqual({ injection: 'drop', pii: 'off' });
    expect(p.output).toMatchObject({ pii: 'off', canary: 'block', leak: 'block', injection: 'off', holdBackChars: 400 });
    expect(p.output.validation).toEqual({ action: 'block', maxTries: 2, repair: true, structured: true });
  });

  it('lays a project override over the default policy key by key', () => {
    const policies = {
      output: { pii: 'redact' as const, blockList: ['internal only'] },
      projects: {
        acme: { threshold: 'strict' as const, output: { canary: 'redact' as const, blockList: ['acme secret'], validation: { maxTries: 4 } } },
        open: { input: { injection: 'off' as const } },
      },
    };
    const acme = resolvePolicy(policies, 'acme');
    expect(acme.threshold).toBe('strict');
    expect(acme.output).toMatchObject({ pii: 'redact', canary: 'redact', leak: 'block', blockList: ['acme secret'] });
    expect(acme.output.validation).toEqual({ action: 'block', maxTries: 4, repair: true, structured: true });
    expect(resolvePolicy(policies, 'open').input).toEqual({ injection: 'off', pii: 'off' });
    expect(resolvePolicy(policies, 'other').output).toMatchObject({ pii: 'redact', canary: 'block', blockList: ['internal only'] });
  });

  it('names the bad key of an invalid policy', () => {
    expect(() => resolvePolicy({ projects: { acme: { output: { pii: 'delete' } } } } as never, 'acme')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', input: { key: 'guard.projects.acme.output.pii' } }),
    );
    expect(() => resolvePolicy({ projects: { acme: { output: { pi: 'flag' } } } } as never, 'acme')).toThrow(/guard\.projects\.acme\.output/);
    expect(guardSchema.safeParse({ projects: { 'Bad Id': {} } }).success).toBe(false);
  });

  it('turns a policy into output guard options that behave as it says', () => {
    const policy = resolvePolicy({ output: { pii: 'redact', piiStyle: 'mask', leak: 'flag', blockList: ['project x'] } }, 'p');
    const options = outputGuardOptions(policy, { canaries: ['CANARY-00112233445566778899aabb'], systemPrompt: 'You are a terse assistant for the Contoso help desk and never discuss pricing.' });
    const guard = createOutputGuard(options);
    const r = guard.scan('Mail ann.lee@example.com today. Project X ships soon.');
    // Blocking stops at the sentence with the term; the sentence before it was checked and is kept.
    expect(r.text).toBe('Mail a******@e******.com today. ');
    expect(r.verdict).toBe('block');
    expect(guard.scan('Tag: CANARY-00112233445566778899aabb').verdict).toBe('block');
    const off = outputGuardOptions(resolvePolicy({ output: { canary: 'off', leak: 'off' } }, 'p'), { canaries: ['CANARY-x'], systemPrompt: 'x' });
    expect(off).toEqual({ holdBackChars: 400 });
    expect(() => outputGuardOptions(resolvePolicy({ output: { injection: 'flag' } }, 'p'))).toThrow(/injection detector/);
    expect(outputGuardOptions(resolvePolicy({ output: { injection: 'flag' } }, 'p'), { injectionDetector: createInjectionDetector() }).injection).toBeDefined();
  });

  it('maps validation settings to middleware options', () => {
    expect(validationOptions(resolvePolicy({ output: { validation: { action: 'off' } } }, 'p'))).toBeUndefined();
    expect(validationOptions(resolvePolicy({ output: { validation: { action: 'flag', maxTries: 3 } } }, 'p'))).toEqual({
      maxTries: 3,
      repair: true,
      structured: true,
      onExhausted: 'flag',
    });
  });

  it('records decisions as flat trace attributes with the strongest action per check', () => {
    const guard = createOutputGuard({ pii: 'redact', blockList: { terms: ['secret'], action: 'flag' } });
    const scan = guard.scan('Write to a@example.com or b@example.com. It is a secret.');
    const decisions = decisionsFromReport({ verdict: scan.verdict, findings: scan.findings.map((f) => ({ ...f, source: 'text' as const, part: 0 })) });
    expect(decisionAttributes([...decisions, { stage: 'input', check: 'injection', action: 'pass', score: 0.1 }])).toEqual({
      'guard.output.pii': 'redact',
      'guard.output.pii.count': 2,
      'guard.output.blocklist': 'flag',
      'guard.output.blocklist.count': 1,
      'guard.input.injection': 'pass',
      'guard.input.injection.count': 1,
    });
  });
});
