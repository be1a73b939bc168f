/** The commented config written by `incontext init`. YAML so the comments survive. */
export const CONFIG_TEMPLATE = `# incontext configuration. Precedence: command-line flags > environment > this file > defaults.
# Secrets (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...) belong in the environment, never here.

# Data directory (SQLite file, caches). Env: INCONTEXT_HOME. Flag: --home.
home: .incontext
# Tenant id every record is stored under. Env: INCONTEXT_PROJECT. Flag: --project.
project: default
logLevel: info            # debug | info | warn | error | silent

ingest:
  include: []             # globs, relative to each ingested directory, e.g. ["**/*.md"]
  exclude: []             # node_modules, .git and dotfiles are always excluded
  maxFileBytes: 52428800  # files larger than this fail with FILE_TOO_LARGE
  csvMode: row            # row: one document per CSV row | table: one per file

chunk:
  strategy: auto          # auto (markdown for .md, recursive otherwise) | recursive | markdown | sentence
  size: 384               # tokens (cl100k_base)
  overlap: 48             # tokens shared by neighbouring chunks

embed:
  # local (GloVe word vectors, offline) | local:hash | onnx:<dir> | openai:<model>
  # | openai-compatible:<model> | ollama:<model>      Env: INCONTEXT_EMBED_MODEL
  model: local
  batchSize: 64

retrieve:
  mode: hybrid            # hybrid | vector | keyword
  k: 5                    # chunks given to the model
  candidates: 50          # taken from each retriever before fusion
  weights: { vector: 0.3, keyword: 1 }   # BM25 outranks the offline word vectors: see bench/RESULTS.md
  rrfK: 10                # reciprocal-rank-fusion constant
  steps: [{ type: prf-expansion }, { type: local-rerank }]   # after the search; the best measured offline
                          # local-rerank | prf-expansion | word-expansion | mmr | neighbours | hyde
                          # | multi-query | multi-hop | llm-rerank | provider-rerank (retrieve.rerankModel)
  abstain: false          # answer "not in the documents" without a model call when support is weak

model:
  # local (extractive, offline) | openai:<model> | anthropic:<model> | ollama:<model>
  # | openai-compatible:<model>                        Env: INCONTEXT_MODEL. Flag: --model.
  default: local
  maxOutputTokens: 512
  prices: {}              # USD per million tokens, e.g. { "openai:my-ft": { inputPerMTok: 3, outputPerMTok: 12 } }

gateway:                  # every model call: routing, retries and fallback, circuit breaker, limits, budgets
  aliases: {}             # e.g. { fast: openai:gpt-4o-mini, smart: [anthropic:claude-sonnet-4-5, openai:gpt-4o] }
  fallbacks: []           # tried after every plan's own models, e.g. [local]
  retry: { maxAttempts: 3, attemptTimeoutMs: 30000, deadlineMs: 120000 }
  breaker: { failureThreshold: 5, cooldownMs: 30000 }
  rateLimit: {}           # e.g. { perProject: { requestsPerMinute: 600, tokensPerMinute: 1000000 } } (429 past it)
  budget: {}              # e.g. { perProject: { dailyUsd: 5, monthlyUsd: 100 }, degradeTo: openai:gpt-4o-mini } (402 past it)

store:
  ann: { mode: auto, threshold: 20000, quantization: i8 }   # exact scan below threshold vectors, HNSW above

cache:
  exact: false            # answer identical requests from the cache
  semantic: false         # and paraphrases the hit verifier accepts (measured: bench/RESULTS.md)
  threshold: 0.5

trace:
  privacy: full           # full | hash | none: what of prompts and answers the trace keeps
  # otlpEndpoint: http://127.0.0.1:4318     Env: OTEL_EXPORTER_OTLP_ENDPOINT

# redis: { url: redis://127.0.0.1:6379 }   limits, budgets and cache shared by replicas. Env: INCONTEXT_REDIS_URL

guard:                    # the default policy; projects: { <id>: { only the keys that change } }
  threshold: balanced     # strict | balanced | permissive prompt-injection detector threshold
  input: { injection: flag, pii: off }        # injection: off|flag|block; pii: off|flag|redact|block
  retrieval: { injection: drop, pii: off }    # injection: off|flag|drop; pii: off|flag|redact|drop
  output: { pii: off, canary: block, leak: block }   # each off|flag|redact|block; also piiStyle, blockList

server:
  port: 8686              # Env: INCONTEXT_PORT. Flag: --port.
  host: 127.0.0.1
  maxBodyBytes: 52428800
  auth: auto              # auto: API keys required once one exists or off loopback | required | off
`;
