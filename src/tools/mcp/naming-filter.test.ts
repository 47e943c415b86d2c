import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../shared/index.ts';
import { exposedName, splitExposedName, splitReference } from './naming.ts';
import { resultText } from './result-text.ts';
import { createToolFilter } from './tool-filter.ts';

test('exposed names are valid provider function names or nothing', () => {
  assert.equal(exposedName('github', 'get_issue'), 'github__get_issue');
  assert.equal(exposedName('gh', 'get-sum'), 'gh__get-sum');
  assert.equal(exposedName('gh', 'x'.repeat(60))?.length, 64);
  for (const bad of ['a.b', 'a b', 'a/b', '', 'ü', 'x'.repeat(61)])
    assert.equal(exposedName('gh', bad), undefined, bad);
  assert.deepEqual(splitExposedName('gh__get__issue'), { toolset: 'gh', tool: 'get__issue' });
  assert.equal(splitExposedName('plain'), undefined);
  assert.equal(splitExposedName('__x'), undefined);
  assert.deepEqual(splitReference('gh.get.issue'), { toolset: 'gh', tool: 'get.issue' });
  for (const bad of ['gh', '.x', 'gh.']) assert.equal(splitReference(bad), undefined, bad);
});

test('filter by name and glob; deny wins; approval by list, true or false', () => {
  const f = createToolFilter(
    { filter: ['get_*', 'create_issue'], deny: ['get_secret*'], requireApproval: ['create_*'] },
    't',
  );
  assert.deepEqual(
    ['get_issue', 'get_', 'create_issue', 'create_pr', 'get_secret_key', 'delete', 'GET_ISSUE', 'xget_issue'].filter(
      (t) => f.allows(t),
    ),
    ['get_issue', 'get_', 'create_issue'],
  );
  assert.equal(f.requiresApproval('create_issue'), true);
  assert.equal(f.requiresApproval('get_issue'), false);
  const all = createToolFilter({ deny: [], requireApproval: true }, 't');
  assert.equal(all.allows('anything.at-all'), true);
  assert.equal(all.requiresApproval('x'), true);
  assert.equal(createToolFilter({ deny: ['*'], requireApproval: false }, 't').allows('x'), false);
  // `!` is not negation (nonegate): "!x" matches only the literal name "!x", so it cannot invert a deny list.
  const lit = createToolFilter({ deny: ['!x'], requireApproval: false }, 't');
  assert.equal(lit.allows('y'), true);
});

test('patterns that are not names or globs are ConfigErrors with their path', () => {
  assert.throws(
    () => createToolFilter({ filter: ['ok', 'get_[x'], deny: ['a b', ''], requireApproval: ['$(id)'] }, 'tools.gh'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ['tools.gh.filter.1', 'tools.gh.deny.0', 'tools.gh.deny.1', 'tools.gh.require_approval.0'],
      );
      return true;
    },
  );
});

test('results: text passes, binary content becomes a note, structured content is JSON, the cap is visible', () => {
  assert.deepEqual(
    resultText(
      {
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'file:///a', text: 'body' } },
          { type: 'resource', resource: { uri: 'file:///b', blob: 'AAAA', mimeType: 'application/zip' } },
          { type: 'resource_link', uri: 'file:///c', name: 'c' },
        ],
      },
      10_000,
    ),
    {
      text: 'hello\n[image content (image/png, about 3 bytes) not shown]\n[resource file:///a]\nbody\n[binary resource file:///b (application/zip) not shown]\n[resource link file:///c (c)]',
      isError: false,
    },
  );
  assert.deepEqual(resultText({ content: [], structuredContent: { a: 1 } }, 100), { text: '{"a":1}', isError: false });
  assert.deepEqual(resultText({ isError: true, content: [{ type: 'text', text: 'bad' }] }, 100), {
    text: 'bad',
    isError: true,
  });
  assert.deepEqual(resultText(null, 100), { text: '(no output)', isError: false });
  assert.match(resultText({ content: [{ type: 'text', text: 'é'.repeat(100) }] }, 51).text, /^é{25}\n\[truncated/);
});
