import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogle } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import { createOllama } from 'ollama-ai-provider-v2';
import type { ChatModelOptions, ProviderName } from './types.ts';

/** Default endpoints, including the API prefix each SDK provider expects in its `baseURL`. */
const DEFAULT_BASE_URL: Record<ProviderName, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  ollama: 'http://127.0.0.1:11434/api',
};

/** The API prefix appended to a `base_url` that is a bare origin (`http://host:port` with no path). */
const API_PREFIX: Record<ProviderName, string> = {
  openai: '/v1',
  anthropic: '/v1',
  gemini: '/v1beta',
  ollama: '/api',
};

/**
 * The `baseURL` handed to the SDK provider. A `base_url` with a path is used as given (an OpenAI-compatible server
 * at `https://host/openai/v1`); a bare origin gets the provider's standard prefix (`http://localhost:11434` ->
 * `http://localhost:11434/api`). Always explicit: the SDK providers otherwise read `OPENAI_BASE_URL` /
 * `ANTHROPIC_BASE_URL` from the environment, which would let ambient state redirect traffic (and the key).
 */
export function resolveBaseUrl(provider: ProviderName, baseUrl: string | undefined): string {
  if (baseUrl === undefined) return DEFAULT_BASE_URL[provider];
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path === '' ? API_PREFIX[provider] : path}`;
}

/**
 * The fetch every SDK provider uses. Redirects are refused (`redirect: 'error'`): LLM APIs do not redirect POSTs,
 * and following one would send the API key header (`x-api-key`, `x-goog-api-key` survive cross-origin redirects)
 * to wherever the redirect points. With `stripAuthorization`, the `Authorization` header is removed (an OpenAI-
 * compatible server configured without a key gets no `Bearer ` header at all).
 */
export function guardedFetch(base: typeof fetch, stripAuthorization: boolean): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (stripAuthorization) headers.delete('authorization');
    return base(input, { ...init, headers, redirect: 'error' });
  };
}

/**
 * Builds the AI SDK language model for validated options. The API key is always passed explicitly (never `undefined`)
 * so no SDK provider falls back to `OPENAI_API_KEY` & co. from the environment.
 */
export function createSdkModel(options: ChatModelOptions, baseFetch: typeof fetch): LanguageModel {
  const baseURL = resolveBaseUrl(options.provider, options.baseUrl);
  switch (options.provider) {
    case 'openai': {
      const keyless = options.apiKey === undefined;
      return createOpenAI({
        apiKey: options.apiKey ?? '',
        baseURL,
        fetch: guardedFetch(baseFetch, keyless),
      }).chat(options.model);
    }
    case 'anthropic':
      return createAnthropic({ apiKey: options.apiKey ?? '', baseURL, fetch: guardedFetch(baseFetch, false) }).messages(
        options.model,
      );
    case 'gemini':
      return createGoogle({ apiKey: options.apiKey ?? '', baseURL, fetch: guardedFetch(baseFetch, false) }).chat(
        options.model,
      );
    case 'ollama':
      return createOllama({
        baseURL,
        fetch: guardedFetch(baseFetch, false),
        ...(options.apiKey === undefined ? {} : { headers: { Authorization: `Bearer ${options.apiKey}` } }),
      }).chat(options.model);
  }
}
