import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import type { ChatModelOptions, ProviderName } from './types.ts';

export const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'gemini', 'ollama'];

/** The largest timer Node accepts (about 24.8 days); longer timeouts would silently fire after 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_RETRIES = 10;

const KEY_HINT: Record<ProviderName, string> = {
  openai: `set api_key, e.g. api_key: \${OPENAI_API_KEY}; it may be omitted only with a base_url (a local server)`,
  anthropic: `set api_key, e.g. api_key: \${ANTHROPIC_API_KEY}`,
  gemini: `set api_key, e.g. api_key: \${GEMINI_API_KEY}`,
  ollama: 'omit api_key for a local Ollama, or set it for an Ollama behind an authenticating proxy',
};

/**
 * Checks `ChatModelOptions` before anything is constructed. Issue paths are the config keys of one `llms` entry
 * (`api_key`, `base_url`, …); the caller knows the entry's name. Throws `ConfigError` listing every problem.
 *
 * Security contract: an API key is never part of an issue message. A `base_url` must be http(s) and may not carry
 * credentials (`user:pass@`), a query or a fragment, so a key cannot hide in a URL that ends up in logs.
 */
export function validateChatModelOptions(options: ChatModelOptions): void {
  const issues: ConfigIssue[] = [];
  const provider = options.provider as string;
  const known = (PROVIDERS as readonly string[]).includes(provider);
  if (!known) {
    issues.push({
      path: 'provider',
      message: `unknown provider "${String(provider)}"`,
      hint: `use one of: ${PROVIDERS.join(', ')}`,
    });
  }
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    issues.push({ path: 'model', message: 'model is required', hint: 'e.g. model: gpt-4o-mini' });
  }

  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey.trim() === '')) {
    issues.push({
      path: 'api_key',
      message: 'api_key is empty',
      hint: `an unset \${VAR} substitutes to an empty string; export the variable or remove api_key`,
    });
  } else if (options.apiKey === undefined && known) {
    const p = provider as ProviderName;
    if (p === 'anthropic' || p === 'gemini' || (p === 'openai' && options.baseUrl === undefined)) {
      issues.push({ path: 'api_key', message: `api_key is required for provider ${p}`, hint: KEY_HINT[p] });
    }
  }

  if (options.baseUrl !== undefined) {
    const problem = baseUrlProblem(options.baseUrl);
    if (problem) issues.push({ path: 'base_url', message: problem, hint: 'e.g. base_url: http://127.0.0.1:8000/v1' });
  }
  if (
    options.temperature !== undefined &&
    (typeof options.temperature !== 'number' ||
      !Number.isFinite(options.temperature) ||
      options.temperature < 0 ||
      options.temperature > 2)
  ) {
    issues.push({
      path: 'temperature',
      message: `temperature must be a number from 0 to 2, got ${options.temperature}`,
    });
  }
  if (options.maxTokens !== undefined && !isPositiveInteger(options.maxTokens)) {
    issues.push({ path: 'max_tokens', message: `max_tokens must be a positive integer, got ${options.maxTokens}` });
  }
  if (!isPositiveInteger(options.timeoutMs) || options.timeoutMs > MAX_TIMEOUT_MS) {
    issues.push({
      path: 'timeout',
      message: `timeout must be a positive whole number of milliseconds up to ${MAX_TIMEOUT_MS}, got ${options.timeoutMs}`,
      hint: 'e.g. timeout: 60s',
    });
  }
  if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0 || options.maxRetries > MAX_RETRIES) {
    issues.push({
      path: 'max_retries',
      message: `max_retries must be an integer from 0 to ${MAX_RETRIES}, got ${options.maxRetries}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

function isPositiveInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

function baseUrlProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return 'base_url is empty';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'base_url is not a valid absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `base_url must use http or https, got ${url.protocol.replace(/:$/, '')}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'base_url must not contain credentials (user:password@); put the key in api_key';
  }
  if (url.search !== '' || url.hash !== '') return 'base_url must not contain a query string or fragment';
  return undefined;
}
