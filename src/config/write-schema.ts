/**
 * Regenerates schema/hector-config.schema.json from the zod schema:
 *   node src/config/write-schema.ts            write the file
 *   node src/config/write-schema.ts --check    exit 1 if the committed file is stale
 * (`npx hector schema > schema/hector-config.schema.json` produces the same bytes.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './json-schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/hector-config.schema.json', import.meta.url));

/** The exact bytes of the committed file: 2-space JSON and a trailing newline. */
export function schemaFileText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = schemaFileText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      process.stderr.write(`${SCHEMA_FILE} is stale; run: node src/config/write-schema.ts\n`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(SCHEMA_FILE, text);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  }
}
