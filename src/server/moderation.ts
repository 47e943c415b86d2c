/**
 * The external moderation hook of `content.moderation`: POST `{"input": <text>, "stage": "input" | "output" |
 * "tool_result"}` as JSON to the configured URL (through the SSRF-guarded client: private addresses only via
 * `allowed_ranges`, no redirects, a deadline). The answer is either `{"flagged": bool, "categories": [...]}` or
 * the OpenAI moderation shape `{"results": [{"flagged": bool, "categories": {"<name>": bool}}]}`, so the OpenAI
 * `/v1/moderations` endpoint works as is. Anything else — a non-2xx status, a body that is not one of these, a
 * timeout — throws, and `on_error` decides. The text is never logged here.
 */
import type { ModerationHook } from '../guardrails/index.ts';
import { isPlainObject, safeJsonParse, UpstreamError } from '../shared/index.ts';
import { createGuardedFetcher } from '../tools/index.ts';

export interface ModerationHookOptions {
  url: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  allowedRanges: readonly string[];
  /** Config path of the `moderation` block, for errors about its options. */
  configPath?: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;
/** Categories kept from one answer (they end up in audit events). */
const MAX_CATEGORIES = 10;

export function createModerationHook(options: ModerationHookOptions): ModerationHook {
  const fetcher = createGuardedFetcher({
    allowedRanges: options.allowedRanges,
    allowedMethods: ['POST'],
    maxResponseBytes: MAX_ANSWER_BYTES,
    timeoutMs: options.timeoutMs,
    maxRedirects: 0,
    userAgent: 'hector-moderation',
    configPath: options.configPath ?? 'moderation',
  });
  return async (text, stage, signal) => {
    const response = await fetcher({
      url: options.url,
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ input: text, stage }),
      ...(signal ? { signal } : {}),
    });
    if (response.status < 200 || response.status > 299) {
      throw new UpstreamError(`moderation service answered HTTP ${response.status}`, { retryable: false });
    }
    const parsed = safeJsonParse(response.body.toString('utf8'));
    const verdict = parsed.ok ? parseAnswer(parsed.value) : undefined;
    if (!verdict) throw new UpstreamError('moderation service answered in an unknown format', { retryable: false });
    return verdict;
  };
}

function parseAnswer(body: unknown): { flagged: boolean; categories: string[] } | undefined {
  if (!isPlainObject(body)) return undefined;
  if (typeof body.flagged === 'boolean') {
    const categories = Array.isArray(body.categories) ? body.categories.filter((c) => typeof c === 'string') : [];
    return { flagged: body.flagged, categories: categories.slice(0, MAX_CATEGORIES).map(safeCategory) };
  }
  if (Array.isArray(body.results) && body.results.length > 0 && body.results.every(isPlainObject)) {
    const results = body.results as Record<string, unknown>[];
    if (!results.every((r) => typeof r.flagged === 'boolean')) return undefined;
    const categories = new Set<string>();
    for (const r of results) {
      if (!isPlainObject(r.categories)) continue;
      for (const [name, on] of Object.entries(r.categories)) if (on === true) categories.add(safeCategory(name));
    }
    return { flagged: results.some((r) => r.flagged === true), categories: [...categories].slice(0, MAX_CATEGORIES) };
  }
  return undefined;
}

/** Category names end up in audit events: keep them short and plain. */
function safeCategory(name: string): string {
  return name.replace(/[^A-Za-z0-9_./-]/g, '_').slice(0, 64);
}
