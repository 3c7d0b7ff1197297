import { describe, expect, it } from 'vitest';
import { manifestKey } from '../../../src/contract/layout.js';
import type { BackupManifest, VerificationRecord } from '../../../src/contract/manifest.js';
import { getBytes, getText, newestVerificationKey, putBytes } from '../../support/backup-bucket.js';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, type DatabaseOwner, loadTrickyFixture } from '../../support/owner-database.js';
import { createBucket, postgresUrl, sql } from '../../support/services.js';

async function backedUpFixture(
  databaseId: string,
): Promise<{ owner: DatabaseOwner; database: string; bucket: string; manifest: BackupManifest }> {
  const owner = await createOwnerRole();
  const database = await createOwnedDatabase(owner, 'verify');
  await loadTrickyFixture(owner, database);
  const bucket = await createBucket();
  const dump = await runCli(['dump', '--db-id', databaseId, '--bucket', bucket, '--source', owner.url(database), '--json'], {
    PGPASSWORD: owner.password,
  });
  expect(dump.exitCode, dump.stderr).toBe(0);
  return { owner, database, bucket, manifest: JSON.parse(dump.stdout) as BackupManifest };
}

/**
 * Damages the stored dump the way storage corruption would: its bytes change while the manifest
 * still vouches for the original SHA-256. S3 versions are immutable, so the damaged bytes go in as a
 * new version and the manifest is pointed at it.
 */
async function damageStoredDump(bucket: string, manifest: BackupManifest, damage: (bytes: Buffer) => Buffer): Promise<void> {
  const damaged = damage(await getBytes(bucket, manifest.dump.key));
  const versionId = await putBytes(bucket, manifest.dump.key, damaged);
  const edited: BackupManifest = { ...manifest, dump: { ...manifest.dump, versionId } };
  await putBytes(bucket, manifestKey(manifest.databaseId, manifest.backupId), JSON.stringify(edited));
}

async function storedRecord(bucket: string, manifest: BackupManifest): Promise<VerificationRecord> {
  return JSON.parse(
    await getText(bucket, await newestVerificationKey(bucket, manifest.databaseId, manifest.backupId)),
  ) as VerificationRecord;
}

describe('pg-backup verify fails loudly on a bad backup', () => {
  it('one flipped byte: fails and names the checksum', async () => {
    const { bucket, manifest } = await backedUpFixture('flipped');
    await damageStoredDump(bucket, manifest, (bytes) => {
      const copy = Buffer.from(bytes);
      copy[Math.floor(copy.length / 2)] ^= 0x01;
      return copy;
    });

    const result = await runCli(['verify', '--db-id', 'flipped', '--bucket', bucket, '--backup', manifest.backupId]);

    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`checksum mismatch for ${manifest.dump.key}`);
    expect(await storedRecord(bucket, manifest)).toMatchObject({ passed: false, checksumOk: false });
  });

  it('a truncated object: fails and names the checksum', async () => {
    const { bucket, manifest } = await backedUpFixture('truncated');
    await damageStoredDump(bucket, manifest, (bytes) => bytes.subarray(0, Math.floor(bytes.length * 0.6)));

    const result = await runCli(['verify', '--db-id', 'truncated', '--bucket', bucket, '--backup', manifest.backupId, '--json']);

    expect(result.exitCode).toBe(2);
    const record = JSON.parse(result.stdout) as VerificationRecord;
    expect(record.passed).toBe(false);
    expect(record.mismatches.join('\n')).toMatch(
      /checksum mismatch for .*dump\.pgdump\.zst: SHA-256 is [0-9a-f]{64} \(\d+ bytes\) but the manifest says/,
    );
  });

  it('a manifest whose counts disagree with the data: fails and names the table', async () => {
    const { bucket, manifest } = await backedUpFixture('miscounted');
    const edited: BackupManifest = {
      ...manifest,
      tables: manifest.tables.map((t) => (t.schema === 'sales' && t.table === 'orders' ? { ...t, rows: t.rows + 1 } : t)),
    };
    await putBytes(bucket, manifestKey(manifest.databaseId, manifest.backupId), JSON.stringify(edited));

    const result = await runCli(['verify', '--db-id', 'miscounted', '--bucket', bucket, '--backup', manifest.backupId]);

    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('table sales.orders has 5000 rows after the restore but the manifest says 5001');
    const record = await storedRecord(bucket, manifest);
    expect(record).toMatchObject({
      passed: false,
      checksumOk: true,
      mismatches: ['table sales.orders has 5000 rows after the restore but the manifest says 5001'],
    });
  });

  it('a failing smoke query fails the verification and names the query', async () => {
    const { bucket } = await backedUpFixture('smoke');
    const result = await runCli(['verify', '--db-id', 'smoke', '--bucket', bucket], {
      PG_BACKUP_SMOKE_QUERIES: JSON.stringify(['SELECT count(*) FROM audit.empty_table', 'SELECT 1 FROM no_such_table']),
    });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('smoke query failed: SELECT count(*) FROM audit.empty_table: returned "0"');
    expect(result.stdout).toContain('smoke query failed: SELECT 1 FROM no_such_table: relation "no_such_table" does not exist');
  });
});

describe('pg-backup restore never overwrites by accident', () => {
  it('a non-empty target without --replace: refused, target untouched', async () => {
    const { owner, database, bucket } = await backedUpFixture('refuse');
    const target = await createOwnedDatabase(owner, 'busy');
    await loadTrickyFixture(owner, target);
    await sql(target, 'DELETE FROM sales.orders WHERE id < 10');
    const before = await fingerprintDatabase(postgresUrl(target));

    const result = await runCli(['restore', '--db-id', 'refuse', '--bucket', bucket, '--target', owner.url(target), '--yes'], {
      PGPASSWORD: owner.password,
    });

    // exit 4: refused by a guard rail; every reason at once (the backup was never verified, too)
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('restore refused; nothing was changed:');
    expect(result.stderr).toMatch(/- target .* already holds \d+ table\(s\) \(.*\): restore into an empty database, or pass --replace/);
    expect(result.stderr).toMatch(/- backup \d{8}T\d{6}Z-\w+ \(taken .*\) has never been verified/);
    expect(await fingerprintDatabase(postgresUrl(target))).toEqual(before);
    expect(database).not.toBe(target);
  });
});

describe('pg-backup verify of the `postgres` database itself (common on RDS)', () => {
  it("restores into the throwaway cluster's existing postgres database and passes", async () => {
    const table = `verify_postgres_${Date.now()}`;
    await sql('postgres', `CREATE TABLE ${table} AS SELECT g AS id FROM generate_series(1, 321) g`);
    try {
      const bucket = await createBucket();
      const dump = await runCli(['dump', '--db-id', 'main-db', '--bucket', bucket, '--source', postgresUrl('postgres')]);
      expect(dump.exitCode, dump.stderr).toBe(0);
      const verify = await runCli(['verify', '--db-id', 'main-db', '--bucket', bucket, '--json']);
      expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ passed: true });
    } finally {
      await sql('postgres', `DROP TABLE ${table}`);
    }
  });
});

describe('pg-backup verify and materialized views (their rows are recomputed by REFRESH, not carried by the dump)', () => {
  it('a materialized view stale at dump time is no mismatch; the manifest lists only tables whose rows the dump carries', async () => {
    // GIVEN customer_stats refreshed before 7 more customers arrived: 2000 rows at the source, 2007 once refreshed
    const owner = await createOwnerRole();
    const database = await createOwnedDatabase(owner, 'stale');
    await loadTrickyFixture(owner, database);
    await sql(database, `INSERT INTO sales.customers ("FullName") SELECT 'late ' || g FROM generate_series(1, 7) AS g`);
    const bucket = await createBucket();
    const dump = await runCli(['dump', '--db-id', 'stale', '--bucket', bucket, '--source', owner.url(database), '--json'], {
      PGPASSWORD: owner.password,
    });
    expect(dump.exitCode, dump.stderr).toBe(0);
    const manifest = JSON.parse(dump.stdout) as BackupManifest;
    expect(manifest.tables.map((t) => `${t.schema}.${t.table}`)).not.toContain('sales.customer_stats');

    const verify = await runCli(['verify', '--db-id', 'stale', '--bucket', bucket, '--json']);

    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ passed: true, mismatches: [] });
  });

  it('a manifest written when counts came from count(*) (listing materialized views) still verifies, and still compares them', async () => {
    const { bucket, manifest } = await backedUpFixture('older-manifest');
    const withView = (rows: number): BackupManifest => ({
      ...manifest,
      tables: [...manifest.tables, { schema: 'sales', table: 'customer_stats', rows }],
    });
    const key = manifestKey(manifest.databaseId, manifest.backupId);

    await putBytes(bucket, key, JSON.stringify(withView(2000)));
    const passing = await runCli(['verify', '--db-id', 'older-manifest', '--bucket', bucket, '--backup', manifest.backupId, '--json']);
    await putBytes(bucket, key, JSON.stringify(withView(1999)));
    const failing = await runCli(['verify', '--db-id', 'older-manifest', '--bucket', bucket, '--backup', manifest.backupId, '--json']);

    expect(passing.exitCode, passing.stdout + passing.stderr).toBe(0);
    expect(failing.exitCode).toBe(2);
    expect(JSON.parse(failing.stdout).mismatches).toEqual([
      'table sales.customer_stats has 2000 rows after the restore but the manifest says 1999',
    ]);
  });
});
