/**
 * Fixture for postgres.test.ts: starts a throwaway cluster, prints its URL and data directory as one JSON
 * line, then waits forever. The test kills this process with SIGKILL and expects the watchdog to clean up.
 */
import pg from 'pg';
import { startPostgres } from './postgres.ts';

const server = await startPostgres({ ignoreEnvUrl: true });
const client = new pg.Client({ connectionString: server.url });
await client.connect();
const { rows } = await client.query('show data_directory');
await client.end();
process.stdout.write(`${JSON.stringify({ url: server.url, dataDir: rows[0].data_directory })}\n`);
setInterval(() => {}, 60_000);
