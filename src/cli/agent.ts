import type { Command } from 'commander';
import { AgentError, BUILTIN_TOOLS, IncontextError, type AgentOptions, type AgentResult, type AgentStep, type BuiltinTool } from '../app/index.js';
import { open } from './commands.js';
import { printJson, usageError } from './output.js';

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

const collect = (v: string, all: string[]) => [...all, v];

function short(value: unknown, n = 160): string {
  const t = (typeof value === 'string' ? value : JSON.stringify(value) ?? '').replace(/\s+/g, ' ');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

function stepsJson(steps: AgentStep[]) {
  return steps.map((s) => ({ index: s.index, text: s.text, toolCalls: s.toolCalls, toolResults: s.toolResults, finishReason: s.finishReason, usage: s.usage }));
}

function resultJson(r: AgentResult) {
  return { text: r.text, stoppedBy: r.stoppedBy, model: r.model, ...(r.session ? { session: r.session } : {}), traceId: r.traceId, usage: r.usage, steps: stepsJson(r.steps) };
}

function builtinList(v: string): BuiltinTool[] {
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(BUILTIN_TOOLS as readonly string[]).includes(n));
  if (bad.length || !names.length) throw usageError(`--tools takes a list of ${BUILTIN_TOOLS.join(', ')}; got "${v}"`);
  return names as BuiltinTool[];
}

export function registerAgentCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('mcp')
    .description("serve the project's search, fetch_document and ask tools as an MCP server on stdio (for Claude Desktop, IDEs, other agents)")
    .option('--tools <list>', `comma-separated, from ${BUILTIN_TOOLS.join(', ')} (default all)`, builtinList)
    .action(async function (this: Command, o: { tools?: BuiltinTool[] }) {
      const { ic } = open(this);
      const agent = ic.agent({ builtins: o.tools ?? [...BUILTIN_TOOLS] });
      const server = agent.mcpServer();
      try {
        // stdout belongs to the protocol from here on: nothing else may print to it.
        await server.listenStdio();
      } finally {
        await server.close();
        await ic.close();
      }
    });

  program
    .command('agent')
    .description("run an agent on a task: it searches the project's documents (and any MCP server's tools) and answers; every step is traced and budgeted")
    .argument('<task>', 'what the agent should do or answer')
    .option('--model <spec>', 'provider:model or alias (a model that can call tools, e.g. openai:gpt-4o-mini)')
    .option('--session <id>', 'continue (or start) a conversation kept in the project')
    .option('--max-steps <n>', 'model calls at most (default 8)', positive('max-steps'))
    .option('--mcp <server>', 'an MCP server: a command line ("node server.js") or a Streamable HTTP URL; repeatable', collect, [])
    .option('--no-builtins', 'without the built-in search and fetch_document tools')
    .action(async function (this: Command, task: string, o: { model?: string; session?: string; maxSteps?: number; mcp: string[]; builtins: boolean }) {
      const { ic, json } = open(this);
      const options: AgentOptions = {
        ...(o.model ? { model: o.model } : {}),
        ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
        ...(o.mcp.length ? { mcp: o.mcp } : {}),
        ...(o.builtins ? {} : { builtins: false }),
      };
      const agent = ic.agent(options);
      const run = o.session ? { session: o.session } : {};
      try {
        if (json) {
          try {
            printJson(resultJson(await agent.run(task, run)));
          } catch (e) {
            if (!(e instanceof AgentError)) throw e;
            // The steps done before the failure are part of the answer: print them with the error.
            printJson({ error: e.toJSON(), traceId: e.traceId, steps: stepsJson(e.steps) });
            setExit(1);
          }
          return;
        }
        let text = '';
        for await (const part of agent.stream(task, run)) {
          if (part.type === 'text-delta') {
            text += part.text;
            process.stdout.write(part.text);
          } else if (part.type === 'tool-call') process.stderr.write(`→ ${part.call.name} ${short(part.call.input)}\n`);
          else if (part.type === 'tool-result') process.stderr.write(part.result.error !== undefined ? `  ✗ ${short(part.result.error)}\n` : `  ✓ ${short(part.result.output)}\n`);
          else if (part.type === 'error') throw new IncontextError(part.error.code as 'MODEL_FAILED', part.error.message, part.error.hint ? { hint: part.error.hint } : {});
          else if (part.type === 'done') {
            if (text && !text.endsWith('\n')) process.stdout.write('\n');
            const r = part.result;
            if (r.stoppedBy !== 'answer') process.stderr.write(`stopped: ${r.stoppedBy} after ${r.steps.length} steps\n`);
            process.stderr.write(`${r.steps.length} steps, ${r.usage.totalTokens} tokens, trace ${r.traceId}\n`);
          }
        }
      } finally {
        await agent.close();
        await ic.close();
      }
    });
}
