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

model:
  # local (extractive, offline) | openai:<model> | anthropic:<model> | ollama:<model>
  # | openai-compatible:<model>                        Env: INCONTEXT_MODEL. Flag: --model.
  default: local
  maxOutputTokens: 512

guard:                    # the default policy; projects: { <id>: { only the keys that change } }
  threshold: balanced     # strict | balanced | permissive prompt-injection detector threshold
  input: { injection: flag, pii: off }        # injection: off|flag|block; pii: off|flag|redact|block
  retrieval: { injection: drop, pii: off }    # injection: off|flag|drop; pii: off|flag|redact|drop
  output: { pii: off, canary: block, leak: block }   # each off|flag|redact|block; also piiStyle, blockList

server:
  port: 8686              # Env: INCONTEXT_PORT. Flag: --port.
  host: 127.0.0.1
  maxBodyBytes: 52428800
`;
