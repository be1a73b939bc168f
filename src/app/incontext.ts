import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateText, simulateStreamingMiddleware, streamText, wrapLanguageModel } from 'ai';
import { resolvePolicy, validationMiddleware, validationOptions } from '../guard/index.js';
import { loadConfig, parseConfig } from '../config/index.js';
import { createLogger, IncontextError, NO_ANSWER, sha256, type Answer, type AnswerStreamPart, type Hit, type Usage } from '../core/index.js';
import { countTokens } from '../chunk/index.js';
import { resolveEmbedder, withEmbeddingCache, type Embedder } from '../embed/index.js';
import { openSqliteStore, type AnnOptions } from '../store/index.js';
import { createRetrieval, type RetrievalRun } from './retrieval.js';
import { estimateCost, parseModelSpec, setPriceOverrides, type ModelPrice } from '../model/index.js';
import { extractCitations, isAbstention, renderRagPrompt, type PromptRender } from '../prompt/index.js';
import { ingestBytes, ingestPaths, ingestSql, type PipelineDeps } from './ingest.js';
import { createMemoryTraceStore, createOtlpExporter, openTraceStore, type OtlpExporter } from '../trace/index.js';
import { createTracing, readYourWrites, type Tracing } from './tracing.js';
import { createAskGuard, redactingSink, redactingTraceStore } from './guarding.js';
import { createModelStack, type CallContext } from './models.js';
import { projectStats } from './stats.js';
import { createTenancy, MASTER_KEY_ENV, type Tenancy } from '../tenancy/index.js';
import { checkRerankSpec, projectEmbedders, projectReranker } from './project-providers.js';
import { createProjectAdapters } from './adapter.js';
import { createAgents } from './agents.js';
import type { AskOptions, CreateIncontextOptions, Incontext, LanguageModelOptions, QueryOptions } from './types.js';

export type { AskOptions, CallerOptions, CreateIncontextOptions, Explanation, Incontext, LanguageModelOptions, QueryOptions } from './types.js';

export function createIncontext(options: CreateIncontextOptions = {}): Incontext {
  const cwd = options.cwd ?? process.cwd();
  const loaded = options.config ? { config: parseConfig(options.config), homeDir: '' } : loadConfig(options);
  const config = loaded.config;
  const homeDir = loaded.homeDir || resolve(cwd, config.home);
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger(config.logLevel);
  if (Object.keys(config.model.prices).length > 0) setPriceOverrides(JSON.parse(JSON.stringify(config.model.prices)) as Record<string, ModelPrice>);
  if (!options.store) mkdirSync(homeDir, { recursive: true });
  const store = options.store ?? openSqliteStore({ path: join(homeDir, 'incontext.db'), ann: JSON.parse(JSON.stringify(config.store.ann)) as AnnOptions });
  // Traces live in the same SQLite file (their own tables and migrations); an injected store means no file.
  const traces = options.traceStore ?? (options.store ? createMemoryTraceStore() : openTraceStore({ path: join(homeDir, 'incontext.db') }));
  const otlpUrl = config.trace.otlpEndpoint;
  const otlp: OtlpExporter | undefined = otlpUrl ? createOtlpExporter({ url: otlpUrl, serviceName: 'incontext' }) : undefined;
  // privacy 'redact' keeps the texts with PII replaced, on the way into the store and the exporter.
  const redact = config.trace.privacy === 'redact';
  const tracing: Tracing = createTracing(redact ? redactingTraceStore(traces) : traces, {
    privacy: config.trace.privacy === 'redact' ? 'full' : config.trace.privacy,
    ...(otlp ? { exporters: [redact ? redactingSink(otlp) : otlp] } : {}),
  });
  // Replicas sharing a cache share the canary secret (env, or derived from the vault's master key); one process keeps it in its home.
  const guardSecret = env['INCONTEXT_GUARD_SECRET'] ?? (env[MASTER_KEY_ENV] ? sha256(`incontext guard canary\n${env[MASTER_KEY_ENV]}`) : undefined);
  const guard = createAskGuard(config.guard, {
    ...(guardSecret ? { secret: guardSecret } : options.store ? {} : { secretPath: join(homeDir, 'guard-canary.key') }),
    // guard.input.injectionLlm.model goes through the same stack (aliases, gateway, budget, trace) as every call.
    languageModel: (spec, project) => stack.model(spec, { project }, tracing.tracer(project)).model,
  });

  let embedderP: Promise<Embedder> | undefined;
  const embedder = (): Promise<Embedder> => {
    embedderP ??= (async () => {
      const base = options.embedder ?? (await resolveEmbedder(config.embed.model, env, join(homeDir, 'cache')));
      return withEmbeddingCache(base, store.embeddingCache, { batchSize: config.embed.batchSize });
    })();
    return embedderP;
  };
  const project = (o?: { project?: string }) => o?.project ?? config.project;
  const deps = async (projectId: string): Promise<PipelineDeps> => ({
    store,
    embedder: await embedderFor(projectId),
    chunk: config.chunk,
    load: { maxBytes: config.ingest.maxFileBytes, csvMode: config.ingest.csvMode },
    cwd,
  });

  let tenancyHandle: Tenancy | undefined;
  const stack = createModelStack({
    config,
    env,
    dbPath: options.store ? undefined : join(homeDir, 'incontext.db'),
    embedder,
    // Called on the first semantic-cache lookup, after embedderFor below is set.
    projectEmbedder: (p) => embedderFor(p),
    logger,
    guard: guard.modelGuard,
  });
  // A project's own provider keys (vault) pay for its embeddings and reranking too; an injected embedder is used as is.
  const embedderFor = options.embedder
    ? () => embedder()
    : projectEmbedders({ spec: config.embed.model, env, cacheDir: join(homeDir, 'cache'), batchSize: config.embed.batchSize, store, stack, shared: embedder });
  const rerankSpec = config.retrieve.rerankModel;
  if (rerankSpec) checkRerankSpec(rerankSpec, env);
  const languageModel = (spec = config.model.default, context: Partial<CallContext> = {}, o: LanguageModelOptions = {}) => {
    const p = context.project ?? config.project;
    const r = stack.model(spec, { ...context, project: p }, tracing.tracer(p), { guardInput: true });
    if (o.output === undefined) return r;
    // Asked for by the caller, so it runs even where the policy turns validation off for /v1.
    const settings = { ...(validationOptions(resolvePolicy(config.guard, p)) ?? {}), ...(o.maxTries === undefined ? {} : { maxTries: o.maxTries }) };
    return { id: r.id, model: wrapLanguageModel({ model: r.model, middleware: [simulateStreamingMiddleware(), validationMiddleware(o.output, settings)] }) };
  };

  /** Steps that ask a model (HyDE, multi-query, LLM rerank) use the default model through the same stack, traced; their query was guarded with the question. */
  const generateFor = (projectId: string) => async (prompt: string, signal?: AbortSignal) => {
    const { model } = stack.model(config.model.default, { project: projectId }, tracing.tracer(projectId));
    return (await generateText({ model, prompt, maxRetries: 0, ...(signal ? { abortSignal: signal } : {}) })).text;
  };
  // Query vectors go through the project's adapter, applied after the embedding cache so the cache keeps raw vectors.
  const adapters = createProjectAdapters({ store, traces: readYourWrites(traces, () => tracing.flush()), embedder: embedderFor, homeDir, generate: generateFor });
  const retrievalDeps = {
    config,
    store,
    generate: generateFor,
    cacheDir: join(homeDir, 'cache'),
  };
  const retrievals = new Map<string, ReturnType<typeof createRetrieval>>();
  const retrievalFor = (projectId: string) => {
    let r = retrievals.get(projectId);
    if (!r) {
      const rerankingModel = rerankSpec ? projectReranker(rerankSpec, env, stack, projectId) : undefined;
      r = createRetrieval({ ...retrievalDeps, embedder: () => adapters.queryEmbedder(projectId), ...(rerankingModel ? { rerankingModel } : {}) });
      retrievals.set(projectId, r);
    }
    return r;
  };
  const runRetrieval = async (query: string, o: QueryOptions & { signal?: AbortSignal } = {}): Promise<RetrievalRun> => {
    if (!query.trim()) throw new IncontextError('BAD_REQUEST', 'The query is empty', { input: { key: 'query' }, hint: 'Pass a question or search terms.' });
    return retrievalFor(project(o))({
      projectId: project(o),
      query,
      k: o.k ?? config.retrieve.k,
      mode: o.mode ?? config.retrieve.mode,
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  };
  const search = async (query: string, o: QueryOptions = {}): Promise<Hit[]> => (await runRetrieval(query, o)).hits;

  /** Retrieve under the root span and hand back the traced model; the caller ends the root span. */
  const prepare = async (question: string, o: AskOptions) => {
    const { root, tracer } = tracing.begin(project(o), question);
    try {
      // With input PII redaction, retrieval and the model see placeholders; the answer gets the values back.
      const input = guard.checkInput(question, project(o), root);
      const k = o.k ?? config.retrieve.k;
      const run = await root.run(() => tracing.retrieval(tracer, () => runRetrieval(input.text, { ...o, k: k + guard.spare(k, project(o)) })));
      const hits = guard.filterHits(run.hits, k, project(o), root);
      // Calibrated abstention: too little support in the documents, so no model call at all.
      const abstain = config.retrieve.abstain && run.support.weak;
      const render: PromptRender = renderRagPrompt(input.text, hits, guard.promptOptions(project(o)));
      // The chunks (and their content) the answer is built on: a re-ingest that changes them misses the cache.
      const contextVersion = sha256(hits.map((h) => `${h.chunk.id}\n${h.chunk.text}`).join('\n'));
      const caller = { ...(o.key ? { key: o.key } : {}), ...(o.keyLimits ? { keyLimits: o.keyLimits } : {}), ...(o.user ? { user: o.user } : {}) };
      const { model, id } = stack.model(o.model ?? config.model.default, { ...caller, project: project(o), contextVersion, promptVersion: render.template }, tracer);
      root.setAttributes({ model: id, promptVersion: render.template });
      return { root, hits, render, model, id, abstain, vault: input.vault, maxOutputTokens: o.maxOutputTokens ?? config.model.maxOutputTokens };
    } catch (e) {
      root.end('error', e);
      throw e;
    }
  };

  /** AI SDK 7 takes the system prompt as `instructions`, the conversation as `messages`. */
  const promptOf = (render: PromptRender) => ({
    instructions: render.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n'),
    messages: render.messages.filter((m) => m.role !== 'system') as Array<{ role: 'user' | 'assistant'; content: string }>,
  });

  const callSettings = (o: AskOptions, maxOutputTokens: number) => {
    const temperature = o.temperature ?? config.model.temperature;
    return {
      maxOutputTokens,
      ...(temperature !== undefined ? { temperature } : {}),
      ...(o.signal ? { abortSignal: o.signal } : {}),
      // The gateway owns retries and fallback (config.gateway.retry).
      maxRetries: 0,
    };
  };

  const toUsage = (u: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined, render: PromptRender, text: string): Usage => {
    if (u?.inputTokens !== undefined && u.outputTokens !== undefined) {
      return { inputTokens: u.inputTokens, outputTokens: u.outputTokens, totalTokens: u.inputTokens + u.outputTokens };
    }
    const out = countTokens(text);
    return { inputTokens: render.inputTokens, outputTokens: out, totalTokens: render.inputTokens + out, estimated: true };
  };

  const abstained = (root: Awaited<ReturnType<typeof prepare>>['root'], hits: Hit[], model: string): Answer => {
    const answer = finish(NO_ANSWER, hits, { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, model);
    root.setOutput(answer.answer).setAttributes({ abstained: true, abstainedBy: 'weak-support', citations: 0 }).end('ok');
    return answer;
  };

  const finish = (text: string, hits: Hit[], usage: Usage, model: string): Answer => {
    const abstained = isAbstention(text);
    return { answer: text.trim(), citations: abstained ? [] : extractCitations(text, hits), hits, usage, model, abstained };
  };

  const agents = createAgents({
    config,
    languageModel: (spec, context) => languageModel(spec, context),
    tracer: (p) => tracing.tracer(p),
    search: (query, o) => search(query, o),
    getDocument: (p, id) => store.getDocument(p, id),
    ask: (question, c) => api.ask(question, c),
    screenHits: { spare: (k, p) => guard.spare(k, p), filter: (hits, k, p, span) => guard.filterHits(hits, k, p, span) },
    memoryPath: options.store ? ':memory:' : join(homeDir, 'incontext.db'),
  });

  const api: Incontext = {
    config,
    homeDir,
    store,
    embedder,
    async ingest(paths, o = {}) {
      return ingestPaths(await deps(project(o)), paths, { ...o, projectId: project(o) });
    },
    async ingestSql(o) {
      const { project: p, ...rest } = o;
      const projectId = project({ ...(p ? { project: p } : {}) });
      return ingestSql(await deps(projectId), { ...rest, projectId });
    },
    async ingestBytes(bytes, name, o = {}) {
      return ingestBytes(await deps(project(o)), project(o), bytes, name, o.metadata);
    },
    search,
    async explain(question, o = {}) {
      // Never resolves the model: explaining a call must work before any key is configured.
      const { provider, modelId } = parseModelSpec(o.model ?? config.model.default);
      const id = `${provider}:${modelId}`;
      // The same guard step as ask, so explain shows exactly the hits the model would get.
      const input = guard.checkInput(question, project(o));
      const k = o.k ?? config.retrieve.k;
      const run = await runRetrieval(input.text, { ...o, k: k + guard.spare(k, project(o)) });
      const hits = guard.filterHits(run.hits, k, project(o));
      const render = renderRagPrompt(input.text, hits, guard.promptOptions(project(o)));
      const maxOutputTokens = o.maxOutputTokens ?? config.model.maxOutputTokens;
      const cost = estimateCost(id, { inputTokens: render.inputTokens, outputTokens: maxOutputTokens });
      return {
        model: id,
        template: render.template,
        messages: render.messages,
        hits,
        steps: run.steps,
        support: run.support,
        abstain: config.retrieve.abstain && run.support.weak,
        inputTokens: render.inputTokens,
        maxOutputTokens,
        estimatedCostUsd: cost ?? null,
        ...queryAdapterOf(await adapters.queryEmbedder(project(o))),
      };
    },
    async ask(question, o = {}) {
      const { root, hits, render, model, id, abstain, vault, maxOutputTokens } = await prepare(question, o);
      if (abstain) return abstained(root, hits, id);
      try {
        const r = await root.run(() => generateText({ model, ...promptOf(render), ...callSettings(o, maxOutputTokens) }));
        const answer = finish(guard.restore(r.text, vault), hits, toUsage(r.usage, render, r.text), id);
        root.setOutput(answer.answer).setAttributes({ abstained: answer.abstained, citations: answer.citations.length }).end('ok');
        return answer;
      } catch (e) {
        const err = modelError(e, id);
        root.end('error', err);
        throw err;
      }
    },
    askStream(question, o = {}) {
      return streamAnswer(question, o);
    },
    async embed(texts, o = {}) {
      const e = await embedderFor(project(o));
      return { model: e.id, vectors: await e.embed(texts, { kind: 'document' }) };
    },
    languageModel,
    async listDocuments(o = {}) {
      return store.listDocuments(project(o), { ...(o.limit ? { limit: o.limit } : {}), ...(o.offset ? { offset: o.offset } : {}) });
    },
    async deleteDocument(id, o = {}) {
      return store.deleteDocument(project(o), id);
    },
    agent: (o) => agents.agent(o),
    traces: readYourWrites(traces, () => tracing.flush()),
    flushTraces: () => tracing.flush(),
    trainAdapter: (o) => adapters.train(project(o), o),
    adapterInfo: (o = {}) => adapters.info(project(o)),
    removeAdapter: (o = {}) => adapters.remove(project(o)),
    tenancy() {
      tenancyHandle ??= createTenancy({
        path: options.store ? ':memory:' : join(homeDir, 'incontext.db'),
        ...(env[MASTER_KEY_ENV] ? { masterKey: env[MASTER_KEY_ENV] } : {}),
        projectData: {
          hasData: async (p) => (await store.stats(p)).documents > 0 || (await agents.hasSessions(p)),
          deleteData: async (p) => {
            for (let docs = await store.listDocuments(p, { limit: 500 }); docs.length > 0; docs = await store.listDocuments(p, { limit: 500 })) {
              for (const d of docs) await store.deleteDocument(p, d.id);
            }
            await traces.deleteTraces(p, { before: Date.now() + 86_400_000 });
            await agents.deleteProject(p);
          },
        },
      });
      return tenancyHandle;
    },
    async stats(o = {}) {
      const to = o.to ?? Date.now();
      await tracing.flush();
      return projectStats(traces, await embedderFor(project(o)), project(o), { from: to - (o.days ?? 30) * 86_400_000, to });
    },
    async close() {
      await tracing.flush().catch((e: unknown) => logger.warn('trace write failed', { message: String(e) }));
      await otlp?.shutdown();
      await agents.close();
      await stack.close();
      await tenancyHandle?.close();
      await store.close();
      await traces.close();
    },
  };

  async function* streamAnswer(question: string, o: AskOptions): AsyncIterable<AnswerStreamPart> {
    let text = '';
    let root: Awaited<ReturnType<typeof prepare>>['root'] | undefined;
    try {
      const prepared = await prepare(question, o);
      const { hits, render, model, id, maxOutputTokens } = prepared;
      const restorer = guard.restorer(prepared.vault);
      root = prepared.root;
      for (const hit of hits) yield { type: 'hit', hit };
      if (prepared.abstain) {
        const answer = abstained(root, hits, id);
        yield { type: 'text-delta', text: answer.answer };
        yield { type: 'usage', usage: answer.usage };
        yield { type: 'done', answer };
        return;
      }
      let streamError: unknown;
      const result = root.run(() =>
        streamText({ model, ...promptOf(render), ...callSettings(o, maxOutputTokens), onError: ({ error }) => { streamError = error; } }),
      );
      for await (const delta of result.textStream) {
        const out = restorer.push(delta);
        text += out;
        if (out) yield { type: 'text-delta', text: out };
      }
      if (streamError) throw streamError;
      const rest = restorer.end();
      text += rest;
      if (rest) yield { type: 'text-delta', text: rest };
      const answer = finish(text, hits, toUsage(await result.usage, render, text), id);
      root.setOutput(answer.answer).setAttributes({ abstained: answer.abstained, citations: answer.citations.length }).end('ok');
      for (const citation of answer.citations) yield { type: 'citation', citation };
      yield { type: 'usage', usage: answer.usage };
      yield { type: 'done', answer };
    } catch (e) {
      const err = modelError(e, o.model ?? config.model.default);
      root?.end('error', err);
      logger.warn('ask stream failed', { code: err.code, message: err.message });
      yield { type: 'error', error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
    } finally {
      // A consumer that stops reading early leaves the span open: close it as cancelled.
      if (root && !root.ended) root.end('error', new Error('stream cancelled by the consumer'));
    }
  }

  return api;
}

function queryAdapterOf(e: Embedder): { queryAdapter?: string } {
  return 'adapterVersion' in e && typeof e.adapterVersion === 'string' ? { queryAdapter: e.adapterVersion } : {};
}

function modelError(e: unknown, model: string): IncontextError {
  if (IncontextError.isInstance(e)) return e;
  const err = e as { name?: string; message?: string; statusCode?: number };
  const timeout = err.name === 'AbortError' || err.name === 'TimeoutError';
  return new IncontextError(timeout ? 'PROVIDER_TIMEOUT' : 'MODEL_FAILED', `Model ${model} failed: ${err.message ?? String(e)}`, {
    input: { key: 'model' },
    hint: timeout
      ? 'The provider did not answer in time; retry, or raise the timeout.'
      : err.statusCode === 401
        ? 'The provider rejected the API key: check the key in the environment.'
        : 'Check the provider is reachable and the model name is right, or use --model local.',
    cause: e,
  });
}
