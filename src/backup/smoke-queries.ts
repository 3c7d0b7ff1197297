import type pg from 'pg';

export interface SmokeQueryResult {
  readonly sql: string;
  readonly passed: boolean;
  readonly error?: string;
}

/**
 * Runs the configured smoke queries against a restored database. A query passes when it runs and
 * its first value is neither false, 0, NULL nor empty (e.g. `SELECT count(*) > 0 FROM orders`),
 * or when it returns no columns at all. Each runs in its own read-only transaction with a timeout.
 */
export async function runSmokeQueries(client: pg.Client, queries: readonly string[]): Promise<SmokeQueryResult[]> {
  const results: SmokeQueryResult[] = [];
  for (const sql of queries) {
    try {
      await client.query('BEGIN READ ONLY');
      await client.query("SET LOCAL statement_timeout = '5min'");
      const result = await client.query({ text: sql, rowMode: 'array' });
      await client.query('COMMIT');
      const first = (result.rows as unknown[][])[0]?.[0];
      const hasColumns = result.fields.length > 0;
      const passed = !hasColumns || isTruthy(first);
      results.push(passed ? { sql, passed } : { sql, passed, error: `returned ${JSON.stringify(first ?? null)}` });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      results.push({ sql, passed: false, error: (error as Error).message });
    }
  }
  return results;
}

function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (typeof value === 'string' && /^(0+(\.0+)?|f|false)$/i.test(value)) return false;
  if (typeof value === 'number' && value === 0) return false;
  return true;
}
