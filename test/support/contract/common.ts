import type { Database } from '../../../src/persistence/index.ts';
import type { Clock, Scope } from '../../../src/shared/index.ts';

/** Opens a NEW, empty database (optionally with a controlled clock). */
export type DatabaseFactory = (deps?: { clock?: Clock }) => Promise<Database>;

export interface ContractOptions {
  /**
   * Opens the same storage as `closed` again (a server restart). Absent for storage that does not outlive
   * its connection (`:memory:`): the restart tests are then skipped.
   */
  reopen?: (closed: Database, deps?: { clock?: Clock }) => Promise<Database>;
}

export interface ContractContext {
  /** A fresh database, closed automatically after the test. */
  fresh(deps?: { clock?: Clock }): Promise<Database>;
  /** Registers a database opened some other way (reopen) to be closed after the suite. */
  track(db: Database): Database;
  options: ContractOptions;
}

export interface ManualClock extends Clock {
  advance(ms: number): void;
  iso(): string;
}

export function manualClock(start = Date.parse('2025-01-02T03:04:05.006Z')): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    iso: () => new Date(t).toISOString(),
  };
}

/** Owner, same app / other user, other app / same user. */
export const A: Scope = Object.freeze({ appId: 'app-1', userId: 'alice' });
export const B: Scope = Object.freeze({ appId: 'app-1', userId: 'mallory' });
export const C: Scope = Object.freeze({ appId: 'app-2', userId: 'alice' });
/** Look-alikes that a string-concatenating key would confuse with A (`app-1` + `alice`). */
export const LOOKALIKES: Scope[] = [
  { appId: 'app-1', userId: 'alice ' },
  { appId: 'app-1', userId: 'ALICE' },
  { appId: 'app-', userId: '1alice' },
  { appId: 'app-1 ', userId: 'alice' },
  { appId: 'APP-1', userId: 'alice' },
  { appId: 'app-1', userId: "alice' OR '1'='1" },
  { appId: 'app-1', userId: 'alice%' },
  { appId: 'app-1', userId: 'alic_' },
];
