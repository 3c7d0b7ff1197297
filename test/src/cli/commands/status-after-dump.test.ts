import { describe, expect, it } from 'vitest';
import { runCli } from '../../../support/cli.js';
import { createBucket, createDatabase, postgresUrl, sql } from '../../../support/services.js';

describe('pg-backup status against a real dump in a moto bucket', () => {
  it('fails naming the database with a tiny --max-age, passes with a generous one', async () => {
    const database = await createDatabase('status');
    await sql(database, 'CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 500) g');
    const bucket = await createBucket();
    const dump = await runCli(['dump', '--db-id', 'billing-db', '--bucket', bucket], { PG_BACKUP_SOURCE: postgresUrl(database) });
    expect(dump.exitCode, dump.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2100));

    const tiny = await runCli(['status', '--bucket', bucket, '--max-age', '1s']);
    const generous = await runCli(['status', '--bucket', bucket, '--max-age', '26h', '--json']);

    expect(tiny.exitCode).toBe(2);
    expect(tiny.stderr).toMatch(/pg-backup status: billing-db: newest backup is \d+ s old \(limit 1 s\)/);
    // Never verified yet: that is not a failure within the verification limit of a fresh database.
    expect(generous.exitCode, generous.stdout + generous.stderr).toBe(0);
    expect(JSON.parse(generous.stdout)).toMatchObject({ ok: true, databases: [{ databaseId: 'billing-db', ok: true }] });
  });
});
