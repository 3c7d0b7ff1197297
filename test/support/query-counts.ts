import pg from 'pg';
import type { TableRowCount } from '../../src/contract/manifest.js';
import { countTableRows } from '../../src/postgres/table-counts.js';
import { postgresUrl } from './services.js';

/**
 * The cross-check of the dump's stream counts: count(*) of every table of `database` in one
 * snapshot, as verify counts a restore, without materialized views (a dump carries none of their rows).
 */
export async function countRowsByQuery(database: string): Promise<TableRowCount[]> {
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const counts = await countTableRows(client);
    await client.query('COMMIT');
    return counts.filter((t) => !t.materializedView).map(({ schema, table, rows }) => ({ schema, table, rows }));
  } finally {
    await client.end();
  }
}
