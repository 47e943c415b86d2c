/**
 * Hints for config written after the Hector security guide (or the Go Hector) that this Hector reads
 * differently: keys it does not support at all (said plainly, never silently accepted) and tool names the guide
 * uses as if they were built in (here every tool is declared under `tools:`). Pure; used by the error messages of
 * unknown keys (zod-issues.ts) and unknown tools (sections/agents.ts).
 */
import { closest } from './did-you-mean.ts';
import type { PathSegment } from './issue.ts';
import { FUNCTION_HANDLERS } from './sections/tools.ts';

const RAG =
  "document stores (RAG retrieval) are not supported by this Hector; remove document_stores — to let an agent search documents, give it a search tool instead (search: {type: function, handler: grep_search, working_directory: ./docs} over a directory of the documents, or an MCP server that searches them) and list it in that agent's tools";

/** Keys the guide (or the Go Hector) uses that this schema does not support, by where they appear. */
const UNSUPPORTED: readonly { key: string; where: (path: readonly PathSegment[]) => boolean; hint: string }[] = [
  { key: 'document_stores', where: (p) => p.length === 2 && p[0] === 'agents', hint: RAG },
  { key: 'document_stores', where: (p) => p.length === 0, hint: RAG },
  {
    key: 'vector_stores',
    where: (p) => p.length === 0,
    hint: RAG.replace('remove document_stores', 'remove vector_stores'),
  },
  { key: 'embedders', where: (p) => p.length === 0, hint: RAG.replace('remove document_stores', 'remove embedders') },
];

/** The hint for an unknown key `key` of the mapping at `path`, when it is a known unsupported feature. */
export function unsupportedKeyHint(path: readonly PathSegment[], key: string): string | undefined {
  return UNSUPPORTED.find((u) => u.key === key && u.where(path))?.hint;
}

/** What to add under `tools:` for a tool name the guide treats as built in. */
function declaration(ref: string): string | undefined {
  if (ref === 'search') {
    return 'this Hector has no built-in "search" tool (in the guide it searches document stores, which are not supported): add one under tools:, e.g. search: {type: function, handler: grep_search, working_directory: ./docs} to search files, or an MCP server that searches your documents; or remove "search" from this list';
  }
  if (ref === 'execute_command') {
    return 'tools are not built in: add it under tools:, e.g. execute_command: {type: command, allowed_commands: [ls, cat, grep]} (sandboxed, approval on by default)';
  }
  if ((FUNCTION_HANDLERS as readonly string[]).includes(ref)) {
    const extra = ref === 'web_request' ? ', allowed_domains: [api.example.com]' : ', working_directory: ./workspace';
    return `tools are not built in: add it under tools:, e.g. ${ref}: {type: function, handler: ${ref}${extra}}`;
  }
  return undefined;
}

/**
 * The hint for an agent's unknown tool `ref`: a did-you-mean among the defined tools when one is close, else what
 * to declare for a name the guide treats as built in, else undefined (the caller lists the defined tools).
 */
export function unknownToolHint(ref: string, toolNames: readonly string[]): string | undefined {
  const near = closest(ref, toolNames);
  if (near !== undefined) return `did you mean \`${near}\`?`;
  return declaration(ref);
}
