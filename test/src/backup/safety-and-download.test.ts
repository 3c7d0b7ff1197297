import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { safetyManifestKey } from '../../../src/contract/layout.js';
import type { BackupManifest } from '../../../src/contract/manifest.js';
import { postgresBinary } from '../../../src/postgres/binaries.js';
import { getText, putBytes, restoreRecords } from '../../support/backup-bucket.js';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, type DatabaseOwner, loadTrickyFixture } from '../../support/owner-database.js';
import { createBucket, postgresUrl, sharedPostgres, sql } from '../../support/services.js';

async function dumpAndVerify(owner: DatabaseOwner, database: string, bucket: string, dbId: string): Promise<BackupManifest> {
  const dump = await runCli(['dump', '--db-id', dbId, '--bucket', bucket, '--source', owner.url(database), '--json'], {
    PGPASSWORD: owner.password,
  });
  expect(dump.exitCode, dump.stderr).toBe(0);
  const verify = await runCli(['verify', '--db-id', dbId, '--bucket', bucket]);
  expect(verify.exitCode, verify.stderr).toBe(0);
  return JSON.parse(dump.stdout) as BackupManifest;
}

describe('rolling back a restore from its safety dump', () => {
  it('restore --replace, then --backup safety/<time> --replace: the data equals the data before the first restore', async () => {
    // GIVEN a backup of yesterday's data, and today's data (changed since) in the same database
    const owner = await createOwnerRole();
    const database = await createOwnedDatabase(owner, 'live');
    await loadTrickyFixture(owner, database);
    const bucket = await createBucket();
    const backup = await dumpAndVerify(owner, database, bucket, 'live-db');
    await sql(database, "UPDATE sales.orders SET status = 'shipped' WHERE id % 3 = 0");
    await sql(database, 'CREATE TABLE public.added_today AS SELECT g AS id FROM generate_series(1, 77) g');
    await sql(database, `ALTER TABLE public.added_today OWNER TO ${owner.role}`);
    const beforeRestore = await fingerprintDatabase(postgresUrl(database));
    const auth = { PGPASSWORD: owner.password };

    // WHEN the backup is restored over it (a mistake), and then rolled back to the safety dump
    const restore = await runCli(
      ['restore', '--db-id', 'live-db', '--bucket', bucket, '--target', owner.url(database), '--replace', '--yes', '--json'],
      auth,
    );
    expect(restore.exitCode, restore.stderr).toBe(0);
    const restoreRecord = JSON.parse(restore.stdout) as { safetyDump: { id: string; manifestKey: string } };
    const safetyId = restoreRecord.safetyDump.id;
    expect(safetyId).toMatch(/^safety\/\d{8}T\d{6}Z$/);
    const afterRestore = await fingerprintDatabase(postgresUrl(database));
    expect(afterRestore.tables).not.toEqual(beforeRestore.tables);

    const safetyManifest = JSON.parse(
      await getText(bucket, safetyManifestKey('live-db', safetyId.slice('safety/'.length))),
    ) as BackupManifest;
    const rollback = await runCli(
      ['restore', '--db-id', 'live-db', '--bucket', bucket, '--target', owner.url(database), '--backup', safetyId, '--replace', '--yes'],
      auth,
    );

    // THEN every table, row and sequence is as it was before the first restore
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    const afterRollback = await fingerprintDatabase(postgresUrl(database));
    expect(afterRollback.tables).toEqual(beforeRestore.tables);
    expect(afterRollback.sequences).toEqual(beforeRestore.sequences);
    expect(afterRollback.largeObjects).toEqual(beforeRestore.largeObjects);
    // and the safety dump's manifest carried exact row counts and a checksum, and said what it was taken before
    expect(safetyManifest).toMatchObject({
      databaseId: 'live-db',
      dump: { key: expect.stringMatching(/\/safety\/\d{8}T\d{6}Z\/dump\.pgdump\.zst$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      safetyDumpOf: { restoreOf: backup.backupId, target: expect.stringContaining(`/${database}`) },
    });
    expect(safetyManifest.tables).toContainEqual({ schema: 'public', table: 'added_today', rows: 77 });
    // a safety dump is never verified, and needs no --allow-unverified: it is checked by its checksum and row counts
    expect(rollback.stderr).not.toContain('--allow-unverified');
    // the rollback took a safety dump of its own (of the restored data), and both restores were recorded
    const records = await restoreRecords(bucket, 'live-db');
    expect(records.map((r) => [r.backup, r.result])).toEqual([
      [backup.backupId, 'succeeded'],
      [safetyId, 'succeeded'],
    ]);
    expect(records[1]!.safetyDump?.id).not.toBe(safetyId);
    expect(records[1]!.verification).toBeUndefined();
  });
});

describe('pg-backup download', () => {
  it('writes the dump and the roles, checked, for pg_restore by hand: the restored rows equal the dumped rows', async () => {
    const owner = await createOwnerRole();
    const source = await createOwnedDatabase(owner, 'dl');
    await loadTrickyFixture(owner, source);
    const bucket = await createBucket();
    const backup = await dumpAndVerify(owner, source, bucket, 'dl-db');
    const before = await fingerprintDatabase(postgresUrl(source));
    const dir = mkdtempSync(join(tmpdir(), 'pg-backup-download-'));
    const output = join(dir, 'dl.pgdump');

    const download = await runCli(['download', '--db-id', 'dl-db', '--bucket', bucket, '--output', output]);

    expect(download.exitCode, download.stderr).toBe(0);
    expect(download.stdout).toContain(`downloaded ${backup.backupId} of dl-db: ${output} (${backup.rawBytes} bytes`);
    expect(download.stdout).toContain(`and its roles ${join(dir, 'dl.globals.sql')}`);
    expect(readFileSync(join(dir, 'dl.globals.sql'), 'utf8')).toContain(`CREATE ROLE ${owner.role}`);
    // pg_restore by hand, as the printed command says
    const target = await createOwnedDatabase(owner, 'by_hand');
    const { host, port } = sharedPostgres();
    await execa(
      postgresBinary('pg_restore'),
      ['--dbname', target, '--host', host, '--port', String(port), '--username', owner.role, '--exit-on-error', '--no-owner', output],
      {
        env: { PGPASSWORD: owner.password },
      },
    );
    const after = await fingerprintDatabase(postgresUrl(target));
    expect(after.tables).toEqual(before.tables);
    expect(after.largeObjects).toEqual(before.largeObjects);
  });

  it('refuses to replace an existing file unless --force, and a checksum mismatch leaves no file', async () => {
    const owner = await createOwnerRole();
    const source = await createOwnedDatabase(owner, 'dl2');
    await loadTrickyFixture(owner, source);
    const bucket = await createBucket();
    const backup = await dumpAndVerify(owner, source, bucket, 'dl2-db');
    const dir = mkdtempSync(join(tmpdir(), 'pg-backup-download-'));
    const output = join(dir, 'kept.pgdump');
    writeFileSync(output, 'my notes, not a dump');

    const refused = await runCli(['download', '--db-id', 'dl2-db', '--bucket', bucket, '--output', output]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`--output (${output}) exists: nothing was downloaded. Pass --force to replace it`);
    expect(readFileSync(output, 'utf8')).toBe('my notes, not a dump');

    const forced = await runCli(['download', '--db-id', 'dl2-db', '--bucket', bucket, '--output', output, '--force', '--json']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ backup: backup.backupId, dump: { path: output, bytes: backup.rawBytes } });

    // Damage the dump: a new version of the key with other bytes (the manifest names the old version id, so name none)
    await putBytes(bucket, backup.dump.key, Buffer.from('not the backup'));
    const damagedManifest = { ...backup, dump: { ...backup.dump, versionId: undefined } };
    await putBytes(bucket, `databases/dl2-db/backups/${backup.backupId}/manifest.json`, JSON.stringify(damagedManifest));
    const fresh = join(dir, 'fresh.pgdump');
    const damaged = await runCli(['download', '--db-id', 'dl2-db', '--bucket', bucket, '--backup', backup.backupId, '--output', fresh]);
    expect(damaged.exitCode).toBe(1);
    expect(damaged.stderr).toMatch(/checksum mismatch for .*dump\.pgdump\.zst/);
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(join(dir, 'fresh.globals.sql'))).toBe(false);
  });
});
