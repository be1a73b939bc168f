import { z } from 'zod';

/** The step types of src/retrieve (kept here as plain names: config sits below retrieve). */
const RETRIEVAL_STEP_TYPES = ['search', 'mmr', 'neighbours', 'hyde', 'multi-query', 'multi-hop', 'llm-rerank', 'provider-rerank', 'local-rerank', 'prf-expansion', 'word-expansion'] as const;

/**
 * The one schema for incontext.config.{json,yaml} + env + flags. Every object is
 * strict so a typo is an error that names the key, never a silently ignored setting.
 */
/**
 * Semantic cut points: chunks end where the meaning shifts between sentences
 * (embedding distance), instead of wherever `size` runs out. Works on top of
 * `strategy`: with `markdown` (or `auto` on Markdown) cuts never cross a heading.
 * Chunks do not overlap, so `overlap` is not used.
 */
const semantic = z.strictObject({
  enabled: z.boolean().default(false),
  /** Cut where a gap is deeper than this percentile of the document's gaps; lower gives more, smaller chunks. */
  percentile: z.number().min(1).max(99).default(90),
  /** Extra sentences compared on each side of a gap. */
  window: z.number().int().min(0).max(5).default(2),
  /** Smaller chunks join their closer neighbour; default a quarter of `size`. */
  minSize: z.number().int().min(0).optional(),
});

/** Small chunks for matching, their parent (a Markdown section or run of paragraphs up to `size`) returned as context. */
const parent = z.strictObject({
  enabled: z.boolean().default(false),
  size: z.number().int().min(64).max(32768).default(1024),
});

const chunk = z
  .strictObject({
    strategy: z.enum(['auto', 'recursive', 'markdown', 'sentence']).default('auto'),
    size: z.number().int().min(16).max(8192).default(384),
    overlap: z.number().int().min(0).max(4096).default(48),
    semantic: semantic.prefault({}),
    parent: parent.prefault({}),
  })
  .refine((c) => c.overlap < c.size, { message: 'overlap must be smaller than size', path: ['overlap'] })
  .refine((c) => c.semantic.minSize === undefined || c.semantic.minSize < c.size, {
    message: 'semantic.minSize must be smaller than chunk.size',
    path: ['semantic', 'minSize'],
  })
  .refine((c) => !c.parent.enabled || c.parent.size > c.size, {
    message: 'parent.size must be larger than chunk.size: a parent holds several chunks',
    path: ['parent', 'size'],
  });

const ingest = z.strictObject({
  include: z.array(z.string()).default([]),
  exclude: z.array(z.string()).default([]),
  maxFileBytes: z.number().int().positive().default(50 * 1024 * 1024),
  csvMode: z.enum(['row', 'table']).default('row'),
});

const embed = z.strictObject({
  /** `local` (GloVe SIF), `local:hash`, `onnx:<dir>`, `openai:<model>`, `openai-compatible:<model>`, `ollama:<model>`. */
  model: z.string().min(1).default('local'),
  batchSize: z.number().int().min(1).max(2048).default(64),
});

const retrieve = z.strictObject({
  mode: z.enum(['hybrid', 'vector', 'keyword']).default('hybrid'),
  k: z.number().int().min(1).max(100).default(5),
  /** Candidates taken from each retriever before fusion. */
  candidates: z.number().int().min(1).max(1000).default(50),
  /** Reciprocal-rank-fusion weights and constant. */
  /**
   * Measured on the development sets (bench/RESULTS.md): BM25 beats the averaged GloVe vectors
   * by a wide margin, so the keyword list weighs more, and a small constant lets each list's top
   * ranks decide. Equal weights with the textbook constant 60 lost 0.11 hit@1 on SQuAD and
   * 0.19 nDCG@10 on SciFact against these defaults.
   */
  weights: z.strictObject({ vector: z.number().min(0).default(0.3), keyword: z.number().min(0).default(1) }).prefault({}),
  rrfK: z.number().min(1).default(10),
  /**
   * Steps after the hybrid search, in order (src/retrieve/spec.ts): local-rerank, prf-expansion,
   * word-expansion, mmr, neighbours, hyde, multi-query, multi-hop, llm-rerank, provider-rerank.
   * Each is a span in the trace and a line of `explain`.
   */
  // Default: the best configuration measured without network (bench/RESULTS.md, "Retrieval quality"):
  // pseudo-relevance feedback, then the local learned reranker. SciFact nDCG@10 0.717 vs 0.670 plain hybrid.
  steps: z.array(z.looseObject({ type: z.enum(RETRIEVAL_STEP_TYPES) })).default([{ type: 'prf-expansion' }, { type: 'local-rerank' }]),
  /** Reranking model for the `provider-rerank` step, e.g. `cohere:rerank-v3.5`. */
  rerankModel: z.string().min(1).optional(),
  /** Answer "not in the documents" without calling the model when the top hit's calibrated support is weak. */
  abstain: z.boolean().default(false),
});

const model = z.strictObject({
  /** `local` (extractive, offline), `openai:<model>`, `anthropic:<model>`, `ollama:<model>`, `openai-compatible:<model>`. */
  default: z.string().min(1).default('local'),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().default(512),
  /** USD per million tokens, overriding or adding to the built-in table, e.g. `{"openai:gpt-5": {"inputPerMTok": 1.25, "outputPerMTok": 10}}`. */
  prices: z
    .record(
      z.string().min(1),
      z.strictObject({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0), cachedInputPerMTok: z.number().min(0).optional() }),
    )
    .default({}),
});

const server = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8686),
  host: z.string().default('127.0.0.1'),
  maxBodyBytes: z.number().int().positive().default(50 * 1024 * 1024),
  /**
   * API keys on /api and /v1. `auto` asks for a key as soon as any active key exists in the
   * project store, or whenever `host` is not a loopback address; otherwise the server is open,
   * so a local single-user `npm start` needs no key. `required` always asks; `off` never does
   * (only behind a proxy that authenticates). Admin routes need an admin key in every mode.
   */
  auth: z.enum(['auto', 'required', 'off']).default('auto'),
});

/**
 * PII kinds a guard policy may name. The detectors live in src/guard (above config), so the names
 * are listed here; test/guard-policies.test.ts checks they equal guard's PII_LABELS.
 */
export const GUARD_PII_LABELS = [
  'email', 'phone', 'credit_card', 'iban', 'ip_address', 'ssn', 'kr_rrn', 'date_time', 'address', 'zip_code',
  'name', 'domain_name', 'url', 'driver_license', 'organization', 'title', 'age', 'gpe', 'nrp',
] as const;

const GUARD_PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const guardAction = z.enum(['off', 'flag', 'redact', 'block']);
const guardThreshold = z.enum(['strict', 'balanced', 'permissive']);
const inputInjection = z.enum(['off', 'flag', 'block']);
const retrievalInjection = z.enum(['off', 'flag', 'drop']);
const retrievalPii = z.enum(['off', 'flag', 'redact', 'drop']);
const piiLabels = z.array(z.enum(GUARD_PII_LABELS)).min(1);
const piiStyle = z.enum(['redact', 'mask']);
const blockList = z.array(z.string().min(1));
const holdBackChars = z.number().int().min(64).max(20_000);
const validationAction = z.enum(['off', 'flag', 'block']);
const maxTries = z.number().int().min(1).max(10);

/** Before guard policies, `guard.input` and `guard.retrieval` were one action each: say where that value lives now. */
const sectionError = (section: 'input' | 'retrieval', keys: string) => (issue: { code: string; input?: unknown }) =>
  issue.code === 'invalid_type' && typeof issue.input === 'string'
    ? `guard.${section} is a section now: write ${section}: { injection: ${issue.input} } (keys: ${keys})`
    : undefined;

const guardInputSection = z.strictObject(
  {
    /** Prompt injection in the user's message: record it (flag) or refuse the call (block). */
    injection: inputInjection.default('flag'),
    /** PII in the user's message: flag, redact (tokenized before any model sees it, restored in the answer) or block. */
    pii: guardAction.default('off'),
    /**
     * A language model as a second opinion on injection, asked only when the local score is inside `band`.
     * `model`: a provider:model spec or alias; the guarded call's own model when absent.
     */
    injectionLlm: z
      .strictObject({
        model: z.string().min(1).optional(),
        band: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).refine(([lo, hi]) => lo <= hi, 'band is [low, high] with low <= high').default([0.25, 0.75]),
      })
      .optional(),
  },
  { error: sectionError('input', 'injection, pii, injectionLlm') },
);
const guardRetrievalSection = z.strictObject(
  {
    /** Injected instructions in retrieved chunks: drop the chunk before the prompt is built, or flag it. */
    injection: retrievalInjection.default('drop'),
    /** PII in retrieved chunks: flag, redact it in the prompt, or drop the chunk. */
    pii: retrievalPii.default('off'),
  },
  { error: sectionError('retrieval', 'injection, pii') },
);

const guardValidation = z.strictObject({
  /** When the answer still fails validation after the re-asks: refuse it (block) or pass it on flagged. */
  action: validationAction.default('block'),
  /** Attempts in all, the first included. */
  maxTries: maxTries.default(2),
  repair: z.boolean().default(true),
  /** Ask providers that support it for JSON matching the schema. */
  structured: z.boolean().default(true),
});

const guardOutputSection = z.strictObject({
  pii: guardAction.default('off'),
  /** PII kinds the output check looks for; all but places and nationalities when absent. */
  piiLabels: piiLabels.optional(),
  /** How redacted PII is written: `[EMAIL]`, or a mask that keeps the shape (`j***@e******.com`). */
  piiStyle: piiStyle.default('redact'),
  /** A canary planted in the RAG system prompt showing up in the answer. */
  canary: guardAction.default('block'),
  /** The system prompt copied (near-)verbatim into the answer. */
  leak: guardAction.default('block'),
  /** Instructions aimed at the next model or tool in the answer (matters for agents). */
  injection: guardAction.default('off'),
  blockList: blockList.default([]),
  blockListAction: guardAction.default('block'),
  /** Longest stretch of a streamed answer held back for checking (src/guard/output README). */
  holdBackChars: holdBackChars.default(400),
  validation: guardValidation.prefault({}),
});

/** One guard policy: which guards run on the input, the retrieved chunks and the output, and what each does. */
export const guardPolicySchema = z.strictObject({
  /** Threshold preset of the injection detector: strict 0.35, balanced 0.5, permissive 0.75. */
  threshold: guardThreshold.default('balanced'),
  input: guardInputSection.prefault({}),
  retrieval: guardRetrievalSection.prefault({}),
  output: guardOutputSection.prefault({}),
});

/** The same keys, all optional and without defaults: a default here would silently override the default policy. */
export const guardPolicyOverrideSchema = z.strictObject({
  threshold: guardThreshold.optional(),
  input: z.strictObject({ injection: inputInjection.optional(), pii: guardAction.optional() }).optional(),
  retrieval: z.strictObject({ injection: retrievalInjection.optional(), pii: retrievalPii.optional() }).optional(),
  output: z
    .strictObject({
      pii: guardAction.optional(),
      piiLabels: piiLabels.optional(),
      piiStyle: piiStyle.optional(),
      canary: guardAction.optional(),
      leak: guardAction.optional(),
      injection: guardAction.optional(),
      blockList: blockList.optional(),
      blockListAction: guardAction.optional(),
      holdBackChars: holdBackChars.optional(),
      validation: z
        .strictObject({ action: validationAction.optional(), maxTries: maxTries.optional(), repair: z.boolean().optional(), structured: z.boolean().optional() })
        .optional(),
    })
    .optional(),
});

/**
 * `guard`: the default policy at the top, and per project only the keys that change
 * (`projects: { acme: { output: { pii: redact } } }`), laid over the default key by key.
 */
export const guardSchema = z.strictObject({
  ...guardPolicySchema.shape,
  projects: z
    .record(z.string().regex(GUARD_PROJECT_ID, 'project ids are lowercase letters, digits, _ and -, up to 63 characters'), guardPolicyOverrideSchema)
    .default({}),
  /** Renamed: kept as a key only so an old config gets an error that names the new one. */
  policy: z.never({ error: 'guard.policy was renamed guard.threshold (strict | balanced | permissive)' }).optional(),
});

const usd = z.number().positive();
const budgetLimit = z.strictObject({ dailyUsd: usd.optional(), monthlyUsd: usd.optional() });
const rateLimit = z.strictObject({ requestsPerMinute: z.number().int().positive().optional(), tokensPerMinute: z.number().int().positive().optional() });
const specList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * The middleware chain around every model call (src/gateway): routing by alias and rule,
 * retries with fallback, circuit breaker, rate limits and budgets. Rate limits and budgets
 * are off until a limit is set.
 */
const gateway = z.strictObject({
  /** `fast: openai:gpt-4o-mini`, or a list: primary first, then fallbacks. */
  aliases: z.record(z.string().min(1), specList).default({}),
  /** Tried after every plan's own targets, e.g. `[local]` so an outage still gets an extractive answer. */
  fallbacks: z.array(z.string().min(1)).default([]),
  rules: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        when: z
          .strictObject({
            model: specList.optional(),
            project: specList.optional(),
            metadata: z.record(z.string(), z.string()).optional(),
            minPromptTokens: z.number().int().min(0).optional(),
            maxPromptTokens: z.number().int().min(0).optional(),
          })
          .optional(),
        targets: z.array(z.union([z.string().min(1), z.strictObject({ model: z.string().min(1), weight: z.number().positive() })])).optional(),
        fallbacks: z.array(z.string().min(1)).optional(),
        /**
         * Cheap tier first; escalate only when a verifier rejects its answer, checked in order:
         * `answered` (not empty, not an abstention), `json` (parses as JSON), `judge` (a model
         * reads request and answer and says PASS or FAIL: the tier's own, or `judge`), or
         * `consistent` (`samples` answers of the tier at temperature 0.8 mostly agree).
         */
        cascade: z
          .strictObject({
            tiers: z.array(z.string().min(1)).min(2),
            verify: z.array(z.enum(['answered', 'json', 'judge', 'consistent'])).min(1).default(['answered']),
            judge: z.string().min(1).optional(),
            samples: z.number().int().min(2).max(10).default(3),
          })
          .optional(),
      }),
    )
    .default([]),
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(10).default(3),
      attemptTimeoutMs: z.number().int().positive().default(30_000),
      deadlineMs: z.number().int().positive().default(120_000),
    })
    .prefault({}),
  breaker: z.strictObject({ failureThreshold: z.number().int().min(1).default(5), cooldownMs: z.number().int().positive().default(30_000) }).prefault({}),
  rateLimit: z
    .strictObject({ perKey: rateLimit.optional(), perProject: rateLimit.optional(), projects: z.record(z.string(), rateLimit).default({}) })
    .prefault({}),
  budget: z
    .strictObject({
      perProject: budgetLimit.optional(),
      perKey: budgetLimit.optional(),
      projects: z.record(z.string(), budgetLimit).default({}),
      /** When a call would pass a budget: answer with this cheaper model instead of refusing (402). */
      degradeTo: z.string().min(1).optional(),
    })
    .prefault({}),
});

/** Response cache in front of the gateway (src/cache). A re-ingest changes the retrieved context, so RAG answers never go stale. */
const cache = z.strictObject({
  /** Identical requests (normalised) are answered from the cache. */
  exact: z.boolean().default(false),
  /**
   * Paraphrased questions too: the nearest stored question above `threshold` cosine similarity is
   * served only if the hit verifier accepts it (same question word, names, numbers, negation and
   * word order; changed words WordNet synonyms). Measured in bench/RESULTS.md: no wrong hit on the
   * labelled pairs at 0.5, with 60% of paraphrases answered; above 0.5 recall only falls.
   */
  semantic: z.boolean().default(false),
  threshold: z.number().min(0).max(1).default(0.5),
  /** Per-route thresholds (a call's `providerOptions.incontext.route`), e.g. `{ faq: 0.8, billing: 0.95 }`. */
  routeThresholds: z.record(z.string().min(1), z.number().min(0).max(1)).default({}),
  ttlSeconds: z.number().int().positive().optional(),
  maxEntries: z.number().int().positive().default(10_000),
});

const trace = z.strictObject({
  /** `full` keeps prompts and answers, `redact` keeps them with PII replaced by labels, `hash` keeps their sha256, `none` keeps neither. */
  privacy: z.enum(['full', 'redact', 'hash', 'none']).default('full'),
  /** OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318) to export spans to, besides the SQLite file; also `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  otlpEndpoint: z.string().url().optional(),
});

/** Shared state for many replicas: rate limits, budgets and the cache live in Redis when set. */
const redis = z.strictObject({ url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional() });

/** The vector index of the SQLite store: exact scan below `threshold` vectors per project and embedder, HNSW above (measured in bench/RESULTS.md). */
const store = z.strictObject({
  ann: z
    .strictObject({
      mode: z.enum(['auto', 'exact', 'ann']).default('auto'),
      threshold: z.number().int().min(1).default(20_000),
      /** i8 (default) and b1 re-score their candidates with the full vectors, so scores stay exact. */
      quantization: z.enum(['f32', 'f16', 'i8', 'b1']).default('i8'),
      expansionSearch: z.number().int().min(1).max(4096).optional(),
      connectivity: z.number().int().min(2).max(256).optional(),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  home: z.string().default('.incontext'),
  project: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'project ids are lowercase letters, digits, _ and -, up to 63 characters')
    .default('default'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ingest: ingest.prefault({}),
  chunk: chunk.prefault({}),
  embed: embed.prefault({}),
  retrieve: retrieve.prefault({}),
  model: model.prefault({}),
  server: server.prefault({}),
  guard: guardSchema.prefault({}),
  gateway: gateway.prefault({}),
  cache: cache.prefault({}),
  trace: trace.prefault({}),
  redis: redis.prefault({}),
  store: store.prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type GuardPolicyConfig = z.output<typeof guardPolicySchema>;
export type GuardPolicyOverride = z.input<typeof guardPolicyOverrideSchema>;
export type GuardConfig = z.output<typeof guardSchema>;
export type GuardConfigInput = z.input<typeof guardSchema>;
