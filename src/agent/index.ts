export type * from './types.js';
export { runAgent, streamAgent, sumUsage, errorPart, agentError, AgentError, DEFAULT_MAX_STEPS, REPEAT_LIMIT } from './loop.js';
export { defineTool, checkTools, toolJsonSchema, DEFAULT_MAX_TOOL_OUTPUT_CHARS, DEFAULT_TOOL_TIMEOUT_MS } from './tools.js';
export { openSqliteAgentMemory, checkSession, DEFAULT_WINDOW, type SqliteAgentMemoryOptions } from './memory.js';
export { connectMcp, parseMcpSpec, type McpServerSpec, type McpConnection } from './mcp.js';
export { createMcpToolServer, type McpToolServer, type McpToolServerOptions } from './mcp-server.js';
