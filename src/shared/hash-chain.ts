/**
 * The hash chain of the audit trail (file and database sinks): entry `n` carries `seq = n`, the hash of entry
 * `n - 1` (`prev_hash`; the first entry has GENESIS_HASH) and its own hash over `seq`, `prev_hash` and the
 * entry's content in canonical JSON (keys sorted at every level), so how the JSON happens to be formatted on
 * disk does not matter but every value does.
 *
 * What it detects: an entry altered, removed, inserted or moved (its hash, or the next entry's `prev_hash` or
 * `seq`, no longer fits). What it cannot: the newest entries cut off the end (nothing after them refers to
 * them) — compare the head `hector audit verify` prints with one kept elsewhere — and, without a key, a writer
 * who rewrites an entry and recomputes every hash after it. With a key (HMAC-SHA256, HECTOR_AUDIT_KEY) the hashes
 * cannot be recomputed without it.
 */
import { createHash, createHmac } from 'node:crypto';
import type { JsonValue } from './json.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted (recursively); arrays keep their order. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
}

/** The hash of one entry: SHA-256, or HMAC-SHA256 with `key`, over `seq`, the previous hash and the content. */
export function chainHash(seq: number, prevHash: string, content: JsonValue, key?: string): string {
  const input = `${seq}\n${prevHash}\n${canonicalJson(content)}`;
  return (key === undefined ? createHash('sha256') : createHmac('sha256', key)).update(input).digest('hex');
}

export interface ChainEntry {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly content: JsonValue;
}

/** Where and why a chain breaks. */
export interface ChainBreak {
  readonly seq: number;
  readonly reason: string;
}

/**
 * Checks entries in order, one at a time. `push` returns the break at that entry, if any, and then goes on from
 * that entry (its `seq` and `hash`), so one break does not hide the ones after it; `head` is the last entry
 * pushed once the chain checked out up to it (after a break: the entry the check resumed from).
 */
export function createChainVerifier(key?: string) {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  return {
    push(entry: ChainEntry): ChainBreak | undefined {
      let broken: ChainBreak | undefined;
      if (entry.seq !== expectedSeq) {
        broken = {
          seq: entry.seq,
          reason:
            entry.seq > expectedSeq
              ? `entries ${expectedSeq}..${entry.seq - 1} are missing (removed)`
              : `sequence number ${entry.seq} appears again after ${expectedSeq - 1} (inserted or replayed)`,
        };
      } else if (entry.prevHash !== prev) {
        broken = { seq: entry.seq, reason: 'prev_hash does not match the entry before it (an entry was replaced)' };
      } else if (chainHash(entry.seq, entry.prevHash, entry.content, key) !== entry.hash) {
        broken = {
          seq: entry.seq,
          reason:
            key === undefined
              ? 'the hash does not match the content (the entry was altered, or the trail is keyed: verify with its HECTOR_AUDIT_KEY)'
              : 'the hash does not match the content (the entry was altered, or HECTOR_AUDIT_KEY is not the key it was written with)',
        };
      }
      // Resume from this entry either way: the next one must follow it.
      expectedSeq = entry.seq + 1;
      prev = entry.hash;
      return broken;
    },
    head(): { seq: number; hash: string } {
      return { seq: expectedSeq - 1, hash: prev };
    },
  };
}
