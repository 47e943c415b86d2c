/**
 * The environment the config is substituted with. This folder is the ONLY place in the code base that reads
 * `process.env`, and it never writes to it.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../shared/index.ts';

/** A frozen copy of the process environment (string values only). The only `process.env` read. */
export function processEnvironment(): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') out[k] = v;
  return Object.freeze(out);
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Largest `.env` read, in bytes. */
const MAX_ENV_BYTES = 1024 * 1024;

/**
 * A `.env` file's text: a regular file only (a FIFO or a device such as /dev/zero is refused, never read or
 * waited on; opened non-blocking), at most MAX_ENV_BYTES.
 */
function readRegularFile(file: string): string {
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) {
      throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
    }
    if (!stat.isFile()) {
      throw new ConfigError([{ path: '', message: `${file} is not a regular file`, hint: 'make .env a plain file' }], {
        source: file,
      });
    }
    if (stat.size > MAX_ENV_BYTES) {
      throw new ConfigError(
        [{ path: '', message: `${file} is larger than ${MAX_ENV_BYTES} bytes`, hint: 'is this a .env file?' }],
        {
          source: file,
        },
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads one `.env` file; a missing file is empty, any other failure (unreadable, a directory…) is an error. */
function readEnvFile(dir: string): Record<string, string> {
  const file = join(dir, '.env');
  let text: string;
  try {
    text = readRegularFile(file);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return {};
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(
      [{ path: '', message: `cannot read ${file} (${code ?? 'error'})`, hint: 'fix its permissions or remove it' }],
      { source: file, cause: e },
    );
  }
  const parsed = parseEnv(text);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' && k !== '__proto__') out[k] = v;
  return out;
}

/**
 * The merged environment: `.env` in `cwd`, overridden by `.env` in `configDir` (the config file's directory),
 * overridden by `processEnv` (default: the real process environment). Missing `.env` files are fine; an
 * unreadable one is a ConfigError. `.env` files are parsed with Node's `util.parseEnv` (no variable expansion,
 * no command substitution). Nothing is written to `process.env`. The result is frozen.
 */
export function loadEnvironment(options: {
  cwd: string;
  configDir?: string;
  processEnv?: Readonly<Record<string, string | undefined>>;
}): Record<string, string> {
  const cwd = resolve(options.cwd);
  const configDir = options.configDir === undefined ? undefined : resolve(cwd, options.configDir);
  const merged: Record<string, string> = { ...readEnvFile(cwd) };
  if (configDir !== undefined && configDir !== cwd) Object.assign(merged, readEnvFile(configDir));
  const processEnv = options.processEnv ?? processEnvironment();
  for (const [k, v] of Object.entries(processEnv)) if (typeof v === 'string' && k !== '__proto__') merged[k] = v;
  return Object.freeze(merged);
}
