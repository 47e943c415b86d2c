import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../shared/index.ts';
import { loadEnvironment, processEnvironment } from './environment.ts';
import { MAX_CONFIG_BYTES, type ParsedConfig, parseConfigText } from './parse-config.ts';

export interface LoadedConfig extends ParsedConfig {
  /** Absolute path of the config file. */
  readonly path: string;
  /** Merged environment used for `${VAR}`: process env over config-dir `.env` over cwd `.env`. Frozen. */
  readonly env: Readonly<Record<string, string>>;
}

export interface LoadConfigOptions {
  /** Directory a relative `path` and the first `.env` are resolved in (default: process.cwd()). */
  cwd?: string;
  /** The process environment to use (default: processEnvironment()). `.env` files are still read. */
  env?: Readonly<Record<string, string | undefined>>;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** A config file's text, read with the size and encoding checks of loadConfigFile. */
export interface ConfigFileText {
  /** Absolute path of the file. */
  readonly file: string;
  readonly text: string;
}

/**
 * At most MAX_CONFIG_BYTES + 1 bytes of a regular file (so `/dev/zero` is not read forever); a directory or
 * anything else (a device, a FIFO — opened non-blocking, so one without a writer cannot hang us) is only named.
 */
async function readLimited(file: string): Promise<{ kind: 'file'; bytes: Buffer } | { kind: 'directory' | 'other' }> {
  const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) return { kind: 'directory' };
    if (!stat.isFile()) return { kind: 'other' };
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { kind: 'file', bytes: buffer.subarray(0, length) };
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Reads a config file as UTF-8 text. Every failure is a ConfigError naming `path`: not found, a directory,
 * unreadable, larger than 1 MiB, not valid UTF-8. `path` resolves against `cwd`.
 */
export async function readConfigFile(path: string, cwd: string): Promise<ConfigFileText> {
  const file = resolve(cwd, path);
  const fail = (message: string, hint: string, cause?: unknown): never => {
    throw new ConfigError([{ path: '', message, hint }], { source: path, cause });
  };
  let read: Awaited<ReturnType<typeof readLimited>>;
  try {
    read = await readLimited(file);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return fail(`config file not found: ${file}`, 'check the path of the config file', e);
    if (code === 'EISDIR') return fail(`${file} is a directory, not a config file`, 'name the YAML file itself', e);
    return fail(`cannot read ${file} (${code ?? 'error'})`, 'check the file permissions', e);
  }
  if (read.kind !== 'file') {
    return read.kind === 'directory'
      ? fail(`${file} is a directory, not a config file`, 'name the YAML file itself')
      : fail(`${file} is not a regular file`, 'name the YAML file itself (not a device or a pipe)');
  }
  const { bytes } = read;
  if (bytes.length > MAX_CONFIG_BYTES)
    fail(`the config file is larger than ${MAX_CONFIG_BYTES} bytes`, 'is this the right file?');
  try {
    return { file, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch (e) {
    return fail('the config file is not valid UTF-8', 'save it as UTF-8', e);
  }
}

/**
 * Reads a config file, merges the environment (see loadEnvironment), and parses it (see parseConfigText).
 * Relative paths in the config resolve against the file's directory. Every failure is a ConfigError naming the
 * file: not found, unreadable, larger than 1 MiB, not valid UTF-8, or an invalid document.
 */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const { file, text } = await readConfigFile(path, cwd);
  const baseDir = dirname(file);
  const env = loadEnvironment({ cwd, configDir: baseDir, processEnv: options.env ?? processEnvironment() });
  const parsed = parseConfigText(text, { baseDir, env, source: path });
  return Object.freeze({ ...parsed, path: file, env });
}
