import type { AgentCard } from '@a2a-js/sdk';
import type { AgentDefinition } from '../runtime/index.ts';

export interface CardOptions {
  /** Public base URL of the server, without a trailing slash. */
  baseUrl: string;
  version: string;
}

/** The agent's JSON-RPC endpoint. */
export function agentUrl(baseUrl: string, agentName: string): string {
  return `${baseUrl}/agents/${encodeURIComponent(agentName)}`;
}

/** The A2A 1.0 card the SDK's request handler works with. */
export function buildAgentCard(agent: AgentDefinition, options: CardOptions): AgentCard {
  const url = agentUrl(options.baseUrl, agent.name);
  return {
    name: agent.displayName,
    description: agent.description || `Hector agent ${agent.name}`,
    supportedInterfaces: [
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    provider: { organization: 'Hector', url: options.baseUrl },
    version: options.version,
    capabilities: { streaming: agent.streaming, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: agent.name,
        name: agent.displayName,
        description: agent.description || agent.displayName,
        tags: [],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/**
 * The card as served over HTTP: the A2A 1.0 fields plus the 0.3 fields (`url`, `protocolVersion`,
 * `preferredTransport`) that Hector's 0.3 clients read, so one document serves both generations of client.
 */
export function publicCardJson(agent: AgentDefinition, options: CardOptions): Record<string, unknown> {
  const card = buildAgentCard(agent, options);
  const url = agentUrl(options.baseUrl, agent.name);
  return {
    name: card.name,
    description: card.description,
    url,
    version: card.version,
    protocolVersion: '0.3.0',
    preferredTransport: 'JSONRPC',
    supportedInterfaces: card.supportedInterfaces,
    provider: card.provider,
    capabilities: { streaming: agent.streaming, pushNotifications: false },
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map((s) => ({ id: s.id, name: s.name, description: s.description, tags: s.tags })),
  };
}
