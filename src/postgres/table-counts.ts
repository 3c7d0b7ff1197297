import type pg from 'pg';
import type { TableRowCount } from '../contract/manifest.js';

/**
 * Every table whose rows a dump carries, with its exact row count, in one consistent read.
 * Run it inside the transaction whose snapshot pg_dump uses, so the counts describe exactly the
 * dumped data. Partitions are counted (their parents hold no rows of their own), extension-owned
 * tables are not (pg_dump does not dump them), materialized views are when populated (pg_restore
 * refreshes them).
 */
export async function countTableRows(client: pg.Client): Promise<TableRowCount[]> {
  // Never let row-level security hide rows from the count: error instead (pg_dump does the same).
  await client.query('SET LOCAL row_security = off');
  const { rows: tables } = await client.query<{ schema: string; table: string }>(`
    SELECT n.nspname AS schema, c.relname AS table
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated))
      AND c.relpersistence <> 't'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY 1, 2`);
  const counts: TableRowCount[] = [];
  for (const { schema, table } of tables) {
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) AS count FROM ONLY ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`,
    );
    counts.push({ schema, table, rows: Number(rows[0].count) });
  }
  return counts;
}

/** "schema.table" for messages. */
export function tableLabel(table: { schema: string; table: string }): string {
  return `${table.schema}.${table.table}`;
}
