import { readFile } from 'node:fs/promises';
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
 * Reads a config file as UTF-8 text. Every failure is a ConfigError naming `path`: not found, a directory,
 * unreadable, larger than 1 MiB, not valid UTF-8. `path` resolves against `cwd`.
 */
export async function readConfigFile(path: string, cwd: string): Promise<ConfigFileText> {
  const file = resolve(cwd, path);
  const fail = (message: string, hint: string, cause?: unknown): never => {
    throw new ConfigError([{ path: '', message, hint }], { source: path, cause });
  };
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return fail(`config file not found: ${file}`, 'check the path of the config file', e);
    if (code === 'EISDIR') return fail(`${file} is a directory, not a config file`, 'name the YAML file itself', e);
    return fail(`cannot read ${file} (${code ?? 'error'})`, 'check the file permissions', e);
  }
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
