import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, loadTrickyFixture } from '../../support/owner-database.js';
import { countRowsByQuery } from '../../support/query-counts.js';
import { createBucket, postgresUrl, sql } from '../../support/services.js';

describe('pg-backup dump, verify, restore and list (real processes, PostgreSQL and moto)', () => {
  it('carries every type and feature of the tricky fixture intact, dumping as the non-superuser owner', async () => {
    // GIVEN the fixture in a database owned by a non-superuser, as on RDS
    const owner = await createOwnerRole();
    const source = await createOwnedDatabase(owner, 'source');
    await loadTrickyFixture(owner, source);
    const before = await fingerprintDatabase(postgresUrl(source));
    const bucket = await createBucket();
    const auth = { PGPASSWORD: owner.password };

    // WHEN we dump, verify, list and restore into a new database
    const dump = await runCli(['dump', '--db-id', 'shop', '--bucket', bucket, '--source', owner.url(source), '--json'], auth);
    expect(dump.stderr).not.toContain('"level":"error"');
    expect(dump.exitCode, dump.stderr).toBe(0);
    const manifest = JSON.parse(dump.stdout) as { backupId: string; tables: { schema: string; table: string; rows: number }[] };

    const verify = await runCli([
      'verify',
      '--db-id',
      'shop',
      '--bucket',
      bucket,
      '--smoke-query',
      'SELECT count(*) > 0 FROM sales.orders',
      '--json',
    ]);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);

    const target = await createOwnedDatabase(owner, 'target');
    const restore = await runCli(['restore', '--db-id', 'shop', '--bucket', bucket, '--target', owner.url(target), '--yes'], auth);
    expect(restore.exitCode, restore.stderr).toBe(0);

    const list = await runCli(['list', '--db-id', 'shop', '--bucket', bucket, '--json']);

    // THEN the restored database equals the source: schema, every row, sequences, large objects
    const after = await fingerprintDatabase(postgresUrl(target));
    expect(after.schema).toBe(before.schema);
    expect(after.tables).toEqual(before.tables);
    expect(after.sequences).toEqual(before.sequences);
    expect(after.largeObjects).toEqual(before.largeObjects);
    // and the manifest's exact counts, read from the dump stream, are count(*)'s on the source, table for table
    expect(manifest.tables).toEqual(await countRowsByQuery(source));
    expect(Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.table}`, t.rows]))).toMatchObject({
      'sales.orders': 5000,
      'audit.empty_table': 0,
      'Inventory Ünïcode.Measurements': 5,
    });
    // and the verification passed with a restore time and the smoke query
    const record = JSON.parse(verify.stdout) as {
      passed: boolean;
      restoreSeconds: number;
      recovery: Record<string, number>;
      smokeQueries: { passed: boolean }[];
    };
    expect(record).toMatchObject({ passed: true, checksumOk: true, smokeQueries: [{ passed: true }] });
    expect(record.restoreSeconds).toBeGreaterThan(0);
    // and the whole recovery it measured, step by step, adds up (to the millisecond each step is rounded to)
    const { totalSeconds, ...steps } = record.recovery;
    expect(Object.keys(steps).sort()).toEqual(
      ['analyzeSeconds', 'countSeconds', 'downloadSeconds', 'restoreSeconds', 'rolesSeconds', 'smokeQueriesSeconds'].sort(),
    );
    for (const seconds of Object.values(steps)) expect(seconds).toBeGreaterThan(0);
    expect(totalSeconds).toBeCloseTo(
      Object.values(steps).reduce((sum, s) => sum + s, 0),
      1,
    );
    expect(totalSeconds).toBeGreaterThan(record.restoreSeconds);
    // and list shows it, verified
    expect(JSON.parse(list.stdout).backups).toEqual([
      expect.objectContaining({ backupId: manifest.backupId, complete: true, verification: expect.objectContaining({ passed: true }) }),
    ]);
    // and the password never appeared in any output
    for (const output of [dump, verify, restore, list]) expect(output.stdout + output.stderr).not.toContain(owner.password);
    // and the owner still owns what it owned
    expect((await sql(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"))[0].tableowner).toBe(owner.role);
  });

  it('restores with --at the backup of that moment, over a changed database with --replace, after a safety dump', async () => {
    const owner = await createOwnerRole();
    const database = await createOwnedDatabase(owner, 'at');
    await loadTrickyFixture(owner, database);
    const bucket = await createBucket();
    const auth = { PGPASSWORD: owner.password };
    const first = await runCli(['dump', '--db-id', 'at-db', '--bucket', bucket, '--source', owner.url(database), '--json'], auth);
    expect(first.exitCode, first.stderr).toBe(0);
    const atFirst = await fingerprintDatabase(postgresUrl(database));
    const firstManifest = JSON.parse(first.stdout) as { backupId: string; finishedAt: string };

    // Backup ids have second precision: make sure the second dump is in a later second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await sql(database, 'DELETE FROM sales.orders WHERE id % 2 = 0');
    const second = await runCli(['dump', '--db-id', 'at-db', '--bucket', bucket, '--source', owner.url(database), '--json'], auth);
    expect(second.exitCode, second.stderr).toBe(0);
    await sql(database, 'DROP TABLE audit.log_without_key');

    const restore = await runCli(
      [
        'restore',
        '--db-id',
        'at-db',
        '--bucket',
        bucket,
        '--target',
        owner.url(database),
        '--at',
        firstManifest.finishedAt,
        '--replace',
        '--yes',
        // Never verified: this test is about --at and --replace (restore-guards.test.ts is about the guard rails).
        '--allow-unverified',
      ],
      auth,
    );
    expect(restore.exitCode, restore.stderr).toBe(0);

    const restored = await fingerprintDatabase(postgresUrl(database));
    expect(restored.tables).toEqual(atFirst.tables);
    expect(restored.sequences).toEqual(atFirst.sequences);
    expect(restore.stdout).toContain(firstManifest.backupId);
    expect(restore.stdout).toMatch(/previous content is saved at s3:\/\/.+\/databases\/at-db\/safety\/\d{8}T\d{6}Z\/dump\.pgdump\.zst/);
    expect(restore.stdout).toMatch(/put it back: --backup safety\/\d{8}T\d{6}Z --replace/);
  });
});
