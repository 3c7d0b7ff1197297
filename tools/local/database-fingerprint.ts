import pg from 'pg';
import { postgresBinary } from '../../src/postgres/binaries.js';
import { libpqEnvironment, parsePostgresUrl } from '../../src/postgres/connection.js';
import { runTool } from '../../src/process/child-process.js';

/**
 * What a database holds, reduced to values that compare equal exactly when the data does:
 * the schema (pg_dump --schema-only, less comments and per-run tokens), every table's and
 * materialized view's row count and an order-independent hash of its rows, every sequence's
 * position, and every large object's content hash. Used by the drill and the round-trip tests
 * to prove "rows restored equal rows dumped".
 */
export interface DatabaseFingerprint {
  readonly schema: string;
  /** "schema.table" -> rows and md5 over the sorted md5s of each row's text form. */
  readonly tables: Readonly<Record<string, { readonly rows: number; readonly hash: string }>>;
  /** "schema.sequence" -> "last_value/is_called". */
  readonly sequences: Readonly<Record<string, string>>;
  /** md5 of each large object's bytes, in oid order. */
  readonly largeObjects: readonly string[];
}

/** `pg_dump --schema-only` without the lines that differ between two dumps of identical schemas. */
export async function schemaDump(url: string): Promise<string> {
  const stdout = await runTool('pg_dump --schema-only', postgresBinary('pg_dump'), ['--schema-only', '--no-owner'], {
    env: libpqEnvironment(parsePostgresUrl(url, 'url')),
  });
  return (
    stdout
      .split('\n')
      // Comments carry versions and names; \restrict / \unrestrict carry a random key per run (15.14+).
      .filter((line) => !line.startsWith('--') && !/^\\(un)?restrict /.test(line))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** Computes the fingerprint of the database at `url` (postgresql://user:password@host:port/db). */
export async function fingerprintDatabase(url: string): Promise<DatabaseFingerprint> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One snapshot for everything, and no row-level security filtering (fail rather than hide rows).
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL row_security = off');

    const relations = await client.query<{ schema: string; name: string; kind: string }>(`
      SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm', 'S')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1, 2`);

    const tables: Record<string, { rows: number; hash: string }> = {};
    const sequences: Record<string, string> = {};
    for (const { schema, name, kind } of relations.rows) {
      const qualified = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
      const label = `${schema}.${name}`;
      if (kind === 'S') {
        const { rows } = await client.query<{ last_value: string; is_called: boolean }>(
          `SELECT last_value::text, is_called FROM ${qualified}`,
        );
        sequences[label] = `${rows[0].last_value}/${rows[0].is_called}`;
        continue;
      }
      const { rows } = await client.query<{ rows: string; hash: string | null }>(
        `SELECT count(*) AS rows, md5(string_agg(row_hash, '' ORDER BY row_hash)) AS hash
         FROM (SELECT md5(t::text) AS row_hash FROM ONLY ${qualified} t) hashed`,
      );
      tables[label] = { rows: Number(rows[0].rows), hash: rows[0].hash ?? 'empty' };
    }

    const objects = await client.query<{ hash: string }>('SELECT md5(lo_get(oid)) AS hash FROM pg_largeobject_metadata ORDER BY oid');
    await client.query('COMMIT');
    return { schema: await schemaDump(url), tables, sequences, largeObjects: objects.rows.map((row) => row.hash) };
  } finally {
    await client.end();
  }
}

/** Every way two fingerprints differ, one sentence each; empty when the databases hold the same data. */
export function fingerprintDifferences(expected: DatabaseFingerprint, actual: DatabaseFingerprint): string[] {
  const differences: string[] = [];
  if (expected.schema !== actual.schema) differences.push('the schema (pg_dump --schema-only) differs');
  for (const name of new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)])) {
    const [want, got] = [expected.tables[name], actual.tables[name]];
    if (!want) differences.push(`table ${name} exists but was not there at dump time`);
    else if (!got) differences.push(`table ${name} is missing`);
    else if (want.rows !== got.rows) differences.push(`table ${name} has ${got.rows} rows, ${want.rows} at dump time`);
    else if (want.hash !== got.hash) differences.push(`table ${name} has the same row count but different content`);
  }
  for (const name of new Set([...Object.keys(expected.sequences), ...Object.keys(actual.sequences)])) {
    if (expected.sequences[name] !== actual.sequences[name])
      differences.push(
        `sequence ${name} is at ${actual.sequences[name] ?? 'missing'}, ${expected.sequences[name] ?? 'absent'} at dump time`,
      );
  }
  if (expected.largeObjects.join() !== actual.largeObjects.join()) differences.push('the large objects differ');
  return differences;
}
