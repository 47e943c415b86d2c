/**
 * The store CONTRACT: one suite every Database implementation must pass (SQLite file, SQLite :memory:,
 * PostgreSQL). It checks behaviour through the public ports only, and attacks scope isolation from every
 * method. Usage, inside a test file:
 *
 *   runStoreContract('sqlite file', (deps) => openDatabase({ url: freshPath() }, deps), { reopen });
 */
import { after, describe } from 'node:test';
import type { Database } from '../../src/persistence/index.ts';
import { approvalContract } from './contract/approvals.ts';
import { appContract } from './contract/apps.ts';
import { auditContract } from './contract/audit.ts';
import type { ContractContext, ContractOptions, DatabaseFactory } from './contract/common.ts';
import { counterContract } from './contract/counters.ts';
import { lifecycleContract } from './contract/lifecycle.ts';
import { sessionContract } from './contract/sessions.ts';
import { taskContract } from './contract/tasks.ts';

export type { ContractOptions, DatabaseFactory } from './contract/common.ts';

export function runStoreContract(
  name: string,
  factory: DatabaseFactory,
  options: ContractOptions & { skip?: string | false } = {},
): void {
  describe(`store contract: ${name}`, { skip: options.skip ?? false }, () => {
    const opened: Database[] = [];
    after(async () => {
      await Promise.all(opened.map((db) => db.close().catch(() => {})));
    });
    const ctx: ContractContext = {
      options,
      async fresh(deps) {
        const db = await factory(deps);
        opened.push(db);
        return db;
      },
      track(db) {
        opened.push(db);
        return db;
      },
    };
    sessionContract(ctx);
    taskContract(ctx);
    auditContract(ctx);
    approvalContract(ctx);
    counterContract(ctx);
    appContract(ctx);
    lifecycleContract(ctx);
  });
}
