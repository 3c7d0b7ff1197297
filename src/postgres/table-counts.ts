import type pg from 'pg';
import type { TableRowCount } from '../contract/manifest.js';

/** A relation that holds rows, as counted in a database. */
export interface CountedTable extends TableRowCount {
  /** Its rows come from REFRESH at restore, not from a dump's data (so a manifest need not list it). */
  readonly materializedView: boolean;
}

/**
 * Every relation that holds rows, with its exact count, in one consistent read: what verify and
 * restore compare with a manifest, and the cross-check of the dump's stream counts in tests.
 * Partitions are counted (their parents hold no rows of their own), extension-owned tables are not
 * (pg_dump dumps no definition of them), materialized views are when populated, flagged as such.
 * Reads every table: never run it against the source of a backup.
 */
export async function countTableRows(client: pg.Client): Promise<CountedTable[]> {
  // Never let row-level security hide rows from the count: error instead (pg_dump does the same).
  await client.query('SET LOCAL row_security = off');
  const { rows: tables } = await client.query<{ schema: string; table: string; materialized_view: boolean }>(`
    SELECT n.nspname AS schema, c.relname AS table, c.relkind = 'm' AS materialized_view
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated))
      AND c.relpersistence <> 't'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY 1, 2`);
  const counts: CountedTable[] = [];
  for (const { schema, table, materialized_view } of tables) {
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) AS count FROM ONLY ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`,
    );
    counts.push({ schema, table, rows: Number(rows[0].count), materializedView: materialized_view });
  }
  return counts;
}

/** "schema.table" for messages. */
export function tableLabel(table: { schema: string; table: string }): string {
  return `${table.schema}.${table.table}`;
}
