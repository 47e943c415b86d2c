/** `llms:` — name → LLM connection. */
import { z } from 'zod';
import { isPlainObject } from '../../shared/index.ts';
import { decimal, duration, httpUrl, integer, nameKey, text } from '../fields.ts';
import type { RawIssue } from '../issue.ts';

export const PROVIDERS = ['openai', 'anthropic', 'gemini', 'ollama'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The conventional environment variable holding each provider's key (named in error messages). */
export const API_KEY_ENV: Readonly<Record<Provider, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  gemini: 'GEMINI_API_KEY',
  ollama: 'OLLAMA_API_KEY',
};

const DAY_MS = 86_400_000;

export const llmSchema = z
  .strictObject({
    provider: z.enum(PROVIDERS).describe('LLM provider'),
    model: text().describe('model id, e.g. gpt-4o-mini'),
    api_key: z
      .string()
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${VAR} syntax, not a template
      .describe('API key; use ${OPENAI_API_KEY} etc. Required for anthropic, gemini, and openai without base_url'),
    base_url: httpUrl().optional().describe('endpoint of an OpenAI-compatible server / proxy (http or https)'),
    temperature: decimal(0, 2).optional().describe('sampling temperature, 0-2'),
    max_tokens: integer(1, 1_000_000).optional().describe('maximum output tokens per LLM step'),
    timeout: duration(1, DAY_MS).prefault('60s').describe('timeout of one LLM call (ms, s, m, h)'),
    max_retries: integer(0, 10).prefault(2).describe('retries of transient provider failures'),
  })
  .describe('an LLM connection');

export const llmsSchema = z.record(nameKey(), llmSchema).prefault({}).describe('LLM connections by name');

/**
 * Providers that need a key: anthropic and gemini always, openai unless `base_url` points at an
 * OpenAI-compatible server (which may need none). An empty string counts as missing. Runs on the raw
 * (substituted) document so it reports even when other fields are wrong.
 */
export function checkLlms(llms: unknown, issues: RawIssue[]): void {
  if (!isPlainObject(llms)) return;
  for (const [name, llm] of Object.entries(llms)) {
    if (!isPlainObject(llm)) continue;
    const provider = llm.provider;
    if (provider !== 'openai' && provider !== 'anthropic' && provider !== 'gemini') continue;
    const hasBaseUrl = llm.base_url !== undefined && llm.base_url !== null;
    if (provider === 'openai' && hasBaseUrl) continue;
    if (llm.api_key !== undefined && llm.api_key !== '') continue; // present (a wrong type is reported by the schema)
    issues.push({
      path: ['llms', name, 'api_key'],
      message: `provider ${provider} needs an API key; set api_key: \${${API_KEY_ENV[provider]}}`,
      ...(provider === 'openai' ? { hint: 'or set base_url to an OpenAI-compatible server that needs no key' } : {}),
    });
  }
}
