/**
 * A real MCP server over stdio, built on the reference SDK, for the agent's MCP client tests.
 * Plain .mjs so the test spawns it with node alone (no TypeScript loader in the child).
 * Tools: `add` (numbers in, text out), `lookup_order` (structured content), `explode` (an MCP tool error).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'fixture-orders', version: '1.0.0' });

server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
  content: [{ type: 'text', text: String(a + b) }],
}));

const ORDERS = { 'A-17': { status: 'shipped', carrier: 'DHL', eta: '2026-11-30' } };
server.registerTool(
  'lookup_order',
  { description: 'Status of an order by id', inputSchema: { id: z.string().describe('order id, e.g. A-17') } },
  async ({ id }) => {
    const order = ORDERS[id];
    if (!order) return { isError: true, content: [{ type: 'text', text: `no order ${id}` }] };
    return { content: [{ type: 'text', text: JSON.stringify({ id, ...order }) }], structuredContent: { id, ...order } };
  },
);

server.registerTool('explode', { description: 'Always fails', inputSchema: {} }, async () => {
  throw new Error('the fixture tool blew up');
});

await server.connect(new StdioServerTransport());
