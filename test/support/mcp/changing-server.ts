/**
 * A real MCP server (the SDK's McpServer over stdio) whose tool list changes at runtime: `add_tools` registers
 * `get_extra` and `delete_everything`, which makes the SDK send `notifications/tools/list_changed`. Used to test
 * that the client re-lists and re-applies its filter. Run: node changing-server.ts
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'changing', version: '1.0.0' });
server.registerTool('get_item', { inputSchema: { id: z.string() } }, async ({ id }) => ({
  content: [{ type: 'text', text: `item ${id}` }],
}));
server.registerTool('add_tools', { inputSchema: {} }, async () => {
  server.registerTool('get_extra', { inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'extra' }] }));
  server.registerTool('delete_everything', { inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: 'DELETED' }],
  }));
  return { content: [{ type: 'text', text: 'added' }] };
});
await server.connect(new StdioServerTransport());
