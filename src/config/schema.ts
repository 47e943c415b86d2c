/**
 * The whole config document (input form), assembled from one schema per section under sections/. Unknown keys
 * are errors everywhere (strict objects); a section that is not implemented yet is not accepted.
 */
import { z } from 'zod';
import { text } from './fields.ts';
import { agentsSchema } from './sections/agents.ts';
import { auditSchema } from './sections/audit.ts';
import { guardrailsSchema } from './sections/guardrails.ts';
import { llmsSchema } from './sections/llms.ts';
import { loggerSchema } from './sections/logger.ts';
import { serverSchema } from './sections/server.ts';
import { toolsSchema } from './sections/tools.ts';

export const CONFIG_VERSION = '2';

export const configSchema = z
  .strictObject({
    version: z.literal(CONFIG_VERSION).describe('config format version; must be the string "2"'),
    name: text().optional().describe('deployment name'),
    llms: llmsSchema,
    agents: agentsSchema,
    tools: toolsSchema,
    guardrails: guardrailsSchema,
    server: serverSchema,
    logger: loggerSchema,
    audit: auditSchema,
  })
  .meta({ title: 'Hector configuration (version "2")' });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedSchema = z.output<typeof configSchema>;
