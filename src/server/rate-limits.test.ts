import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../config/index.ts';
import { limitSecrets, resolveRateLimits } from './rate-limits.ts';

function config(server = '', agents = '  a: {}\n') {
  return parseConfigText(
    `version: "2"
llms: {m: {provider: openai, model: x, base_url: "http://127.0.0.1:9/v1"}}
agents:
${agents}server:
  port: 0
${server}`,
    { baseDir: '/tmp', env: {} },
  ).config;
}

test('the short form becomes a paced rule per address, or per user with per_user; limits add to it', () => {
  const r = resolveRateLimits(
    config(
      '  rate_limiting:\n    requests_per_minute: 60\n    burst: 10\n    limits: [{type: token, window: day, limit: 500}]\n',
    ),
    {},
    {},
  );
  assert.deepEqual(r.rules, [
    { type: 'count', window: 'minute', limit: 60, scope: 'address', burst: 10 },
    { type: 'token', window: 'day', limit: 500, scope: 'user' },
  ]);
  assert.equal(r.store, 'memory');
  assert.equal(r.onStoreError, 'deny');
  const perUser = resolveRateLimits(config('  rate_limiting: {requests_per_minute: 5, per_user: true}\n'), {}, {});
  assert.deepEqual(perUser.rules, [{ type: 'count', window: 'minute', limit: 5, scope: 'user' }]);
});

test('the environment replaces the file rules and says so; flags win over the environment', () => {
  const file = config('  rate_limiting: {enabled: false, requests_per_minute: 5}\n');
  const env = {
    HECTOR_RATE_LIMIT_ENABLED: 'true',
    HECTOR_RATE_LIMIT_LIMITS: '[{"type":"count","window":"hour","limit":7}]',
  };
  const r = resolveRateLimits(file, env, {});
  assert.deepEqual(r.rules, [{ type: 'count', window: 'hour', limit: 7, scope: 'user' }]);
  assert.deepEqual(r.notices, [
    'HECTOR_RATE_LIMIT_LIMITS overrides server.rate_limiting (requests_per_minute and limits)',
    'HECTOR_RATE_LIMIT_ENABLED=true overrides server.rate_limiting.enabled',
  ]);
  const flagged = resolveRateLimits(file, env, { limits: '[{"type":"token","window":"week","limit":9}]' });
  assert.deepEqual(flagged.rules, [{ type: 'token', window: 'week', limit: 9, scope: 'user' }]);
  assert.match(flagged.notices[0]!, /^--rate-limit-limits overrides/);
  const off = resolveRateLimits(file, { ...env, HECTOR_RATE_LIMIT_ENABLED: 'false' }, {});
  assert.deepEqual(off.rules, [], 'false switches every rule off');
  const implied = resolveRateLimits(file, { HECTOR_RATE_LIMIT_LIMITS: env.HECTOR_RATE_LIMIT_LIMITS }, {});
  assert.deepEqual(
    implied.rules,
    [{ type: 'count', window: 'hour', limit: 7, scope: 'user' }],
    'LIMITS alone switches on',
  );
  assert.match(implied.notices.join('\n'), /HECTOR_RATE_LIMIT_LIMITS overrides server\.rate_limiting\.enabled: false/);
  assert.throws(
    () => resolveRateLimits(file, { HECTOR_RATE_LIMIT_LIMITS: '[]' }, {}),
    /HECTOR_RATE_LIMIT_LIMITS: is an empty list/,
  );
});

test('identical rules apply once (they would share a counter and halve the limit)', () => {
  const r = resolveRateLimits(
    config(
      '  rate_limiting:\n    requests_per_minute: 10\n    limits: [{type: count, window: minute, limit: 10, scope: address}]\n',
    ),
    {},
    {},
  );
  assert.deepEqual(r.rules, [{ type: 'count', window: 'minute', limit: 10, scope: 'address' }]);
  assert.match(r.notices[0]!, /listed twice; it applies once/);
});

test("agents' own rules carry the agent and are on by themselves; enabled: false turns them off too", () => {
  const agents = '  a: {}\n  big: {rate_limits: [{type: count, window: hour, limit: 2}]}\n';
  const r = resolveRateLimits(config('', agents), {}, {});
  assert.deepEqual(r.rules, [{ type: 'count', window: 'hour', limit: 2, scope: 'user', agent: 'big' }]);
  assert.deepEqual(resolveRateLimits(config('  rate_limiting: {enabled: false}\n', agents), {}, {}).rules, []);
});

test('fail closed: enabled with nothing to enforce, a bad store, redis without a URL', () => {
  assert.throws(() => resolveRateLimits(config('  rate_limiting: {enabled: true}\n'), {}, {}), /no limit is set/);
  assert.throws(
    () => resolveRateLimits(config(), { HECTOR_RATE_LIMIT_ENABLED: 'TRUE' }, {}),
    /HECTOR_RATE_LIMIT_ENABLED: must be true or false/,
  );
  const rules = { HECTOR_RATE_LIMIT_LIMITS: '[{"type":"count","window":"minute","limit":1}]' };
  assert.throws(
    () => resolveRateLimits(config(), { ...rules, HECTOR_RATE_LIMIT_STORE: 'redis' }, {}),
    /HECTOR_RATE_LIMIT_STORE: the redis store needs a URL/,
  );
  assert.throws(
    () => resolveRateLimits(config(), rules, { limits: '[{"type":"count","window":"minute","limit":0}]' }),
    /--rate-limit-limits\[0\]\.limit: must be between 1 and/,
  );
  assert.throws(
    () =>
      resolveRateLimits(
        config(),
        { HECTOR_RATE_LIMIT_LIMITS: '[{"type":"count","window":"minute","limit":1,"x":1}]' },
        {},
      ),
    /HECTOR_RATE_LIMIT_LIMITS\[0\]\.x: unknown key "x"/,
  );
});

test("a Redis URL's password is handed to the log scrubber, raw and decoded", () => {
  const r = resolveRateLimits(
    config(),
    {
      HECTOR_RATE_LIMIT_LIMITS: '[{"type":"count","window":"minute","limit":1}]',
      HECTOR_RATE_LIMIT_STORE: 'redis',
      HECTOR_RATE_LIMIT_REDIS_URL: 'redis://:p%40ss-word@cache:6379/0',
    },
    {},
  );
  assert.deepEqual(limitSecrets(r), ['p%40ss-word', 'p@ss-word']);
});
