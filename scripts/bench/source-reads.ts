import pg from 'pg';

/**
 * Tuples read from a database's user tables so far, as its statistics count them: sequential-scan
 * tuples (pg_stat_user_tables.seq_tup_read) plus index entries returned by index scans
 * (pg_stat_user_indexes.idx_tup_read, which includes index-only scans; heap fetches behind them
 * are not added again). TOAST reads are left out (pg_toast is no user schema).
 *
 * Statistics reach the shared counters when a backend flushes them: at the latest when it exits.
 * So this first waits until no other client backend is connected to the database (the measured
 * pipeline's sessions have ended and flushed), then reads without a cached snapshot.
 */
export async function tuplesRead(connectionString: string): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await client.query<{ others: number }>(
        `SELECT count(*)::int AS others FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      if (rows[0].others === 0) break;
      if (Date.now() > deadline) throw new Error(`sessions still connected to the benchmark database after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ tuples: string }>(
      `SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables)
            + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes) AS tuples`,
    );
    return Number(rows[0].tuples);
  } finally {
    await client.end();
  }
}
