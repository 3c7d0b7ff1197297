import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutBucketLifecycleConfigurationCommand, PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../../../src/aws/s3-json.js';
import { downloadDecompressed } from '../../../src/backup/download-dump.js';
import { manifestKey } from '../../../src/contract/layout.js';
import { type BackupManifest, STORED_DOCUMENTS } from '../../../src/contract/manifest.js';
import { silentReporter } from '../../../src/reporting/reporter.js';
import { archiveBackup, getText, restoreRecords, setMotoRestoreProgression } from '../../support/backup-bucket.js';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, type DatabaseOwner, loadTrickyFixture } from '../../support/owner-database.js';
import { createBucket, postgresUrl, s3Client } from '../../support/services.js';

// Archived backups against moto, which keeps GLACIER and DEEP_ARCHIVE objects offline (GetObject answers
// InvalidObjectState) until RestoreObject. moto's state manager is set so that a restore shows as under way on the
// first look and done on the next (server-wide: no other test file restores archived objects).
beforeAll(() => setMotoRestoreProgression('manual'));
afterAll(() => setMotoRestoreProgression('immediate'));

/** The tricky fixture dumped and verified once, then archived: what lifecycle makes of a backup after 90 days. */
async function archivedBackup(storageClass: 'GLACIER' | 'DEEP_ARCHIVE', options: { manifestToo?: boolean } = {}) {
  const owner = await createOwnerRole();
  const source = await createOwnedDatabase(owner, 'old');
  await loadTrickyFixture(owner, source);
  const bucket = await createBucket();
  const dump = await runCli(['dump', '--db-id', 'old-db', '--bucket', bucket, '--source', owner.url(source), '--json'], {
    PGPASSWORD: owner.password,
  });
  expect(dump.exitCode, dump.stderr).toBe(0);
  const { backupId } = JSON.parse(dump.stdout) as BackupManifest;
  const verify = await runCli(['verify', '--db-id', 'old-db', '--bucket', bucket]);
  expect(verify.exitCode, verify.stderr).toBe(0);
  const atDump = await fingerprintDatabase(postgresUrl(source));
  await archiveBackup(bucket, 'old-db', backupId, storageClass, options);
  return { owner, source, bucket, backupId, atDump };
}

const restore = (bucket: string, backupId: string, owner: DatabaseOwner, target: string, ...more: string[]) =>
  runCli(
    [
      'restore',
      '--db-id',
      'old-db',
      '--bucket',
      bucket,
      '--backup',
      backupId,
      '--target',
      owner.url(target),
      '--yes',
      '--poll-seconds',
      '1',
      ...more,
    ],
    { PGPASSWORD: owner.password },
  );

describe('pg-backup list', () => {
  it("shows each backup's storage class, its lifecycle expiry and its Object Lock retain-until, saying which is which", async () => {
    const owner = await createOwnerRole();
    const source = await createOwnedDatabase(owner, 'listed');
    await loadTrickyFixture(owner, source);
    const bucket = await createBucket('listed', { objectLock: true });
    const s3 = s3Client();
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'tier-and-expire-backups',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              Transitions: [{ Days: 90, StorageClass: 'GLACIER' }],
              Expiration: { Days: 400 },
            },
            // As the stack sets them: each retention tier (the tag the dump sets) expires on its own day.
            ...(
              [
                ['daily', 40],
                ['weekly', 100],
                ['monthly', 380],
              ] as const
            ).map(([tier, days]) => ({
              ID: `expire-${tier}-backups`,
              Status: 'Enabled' as const,
              Filter: { And: { Prefix: 'databases/', Tags: [{ Key: 'backup-tier', Value: tier }] } },
              Expiration: { Days: days },
            })),
          ],
        },
      }),
    );
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } } },
      }),
    );
    const first = await runCli(['dump', '--db-id', 'listed', '--bucket', bucket, '--source', owner.url(source), '--json'], {
      PGPASSWORD: owner.password,
    });
    expect(first.exitCode, first.stderr).toBe(0);
    const old = JSON.parse(first.stdout) as BackupManifest;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await runCli(['dump', '--db-id', 'listed', '--bucket', bucket, '--source', owner.url(source), '--json'], {
      PGPASSWORD: owner.password,
    });
    expect(second.exitCode, second.stderr).toBe(0);
    await archiveBackup(bucket, 'listed', old.backupId, 'GLACIER');

    const listed = await runCli(['list', '--db-id', 'listed', '--bucket', bucket, '--json']);
    const text = await runCli(['list', '--db-id', 'listed', '--bucket', bucket]);

    expect(listed.exitCode, listed.stderr).toBe(0);
    const { backups } = JSON.parse(listed.stdout) as { backups: { backupId: string; storage: Record<string, unknown> }[] };
    // Expiry: 400 days after the object was written, rounded up to the next midnight UTC (how S3 counts).
    const expected = (from: Date, days: number) => {
      const at = new Date(from.getTime() + days * 86_400_000);
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1)).toISOString();
    };
    const now = new Date();
    const newest = JSON.parse(second.stdout) as BackupManifest;
    // The first backup of a month is monthly; the second, a second later, daily (unless the month turned between).
    const tierDays = { daily: 40, weekly: 100, monthly: 380 } as const;
    expect(old.retentionTier).toBe('monthly');
    expect(newest.retentionTier).toMatch(/^(daily|monthly)$/);
    expect(backups).toEqual([
      expect.objectContaining({
        storage: {
          storageClass: 'STANDARD',
          archived: false,
          expires: { at: expected(now, tierDays[newest.retentionTier!]), source: `lifecycle rule expire-${newest.retentionTier}-backups` },
          lockedUntil: { at: expect.stringMatching(/^\d{4}-/), source: 'Object Lock GOVERNANCE default retention of 35 days' },
        },
      }),
      expect.objectContaining({
        backupId: old.backupId,
        retentionTier: 'monthly',
        storage: expect.objectContaining({
          storageClass: 'GLACIER',
          archived: true,
          expires: { at: expected(now, 380), source: 'lifecycle rule expire-monthly-backups' },
        }),
      }),
    ]);
    const locked = Date.parse((backups[0]!.storage.lockedUntil as { at: string }).at);
    expect(Math.abs(locked - (now.getTime() + 35 * 86_400_000))).toBeLessThan(120_000);
    expect(text.stdout).toMatch(/TIER\s+CLASS\s+EXPIRES\s+LOCKED UNTIL/);
    expect(text.stdout).toMatch(new RegExp(`${old.backupId} .* monthly\\s+GLACIER \\(archived\\)`));
    expect(text.stdout).toContain(
      `(EXPIRES from ${[...new Set([newest.retentionTier, 'monthly'])].map((tier) => `lifecycle rule expire-${tier}-backups`).join(', ')}; LOCKED UNTIL from Object Lock GOVERNANCE default retention of 35 days)`,
    );
    // Each backup's tier is known from its manifest: no expiry is left to guess.
    expect(text.stdout).not.toContain('may come sooner');
  });
});

describe('restore of an archived backup', () => {
  it('without --wait: starts the S3 restore, says when it will be ready and what to run, exits 3 and changes nothing; run again once ready, it restores', async () => {
    const { owner, bucket, backupId, atDump } = await archivedBackup('GLACIER');
    const target = await createOwnedDatabase(owner, 'later');

    const pending = await restore(bucket, backupId, owner, target, '--restore-tier', 'Bulk');

    expect(pending.exitCode).toBe(3);
    expect(pending.stderr).toMatch(
      new RegExp(
        `archived in GLACIER: the S3 restore of s3://${bucket}/databases/old-db/backups/${backupId}/dump\\.pgdump\\.zst is under way \\(tier Bulk, typically 5-12 hours: readable by about \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)`,
      ),
    );
    expect(pending.stderr).toMatch(/Run `pg-backup restore --db-id old-db .* --restore-tier Bulk --wait` to wait for it and go on/);
    expect(pending.stderr).toContain('the restored copy stays readable for 7 days');
    expect(await restoreRecords(bucket, 'old-db')).toEqual([]);
    const empty = await fingerprintDatabase(postgresUrl(target));
    expect(Object.keys(empty.tables)).toEqual([]);

    // moto now reports the restore done: the same command goes on
    const again = await restore(bucket, backupId, owner, target);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await fingerprintDatabase(postgresUrl(target))).tables).toEqual(atDump.tables);
  });

  it('with --wait: starts it, polls until readable, restores; rows restored equal rows dumped', async () => {
    const { owner, bucket, backupId, atDump } = await archivedBackup('GLACIER');
    const target = await createOwnedDatabase(owner, 'waited');

    const waited = await restore(bucket, backupId, owner, target, '--wait', '--restore-tier', 'Expedited');

    expect(waited.exitCode, waited.stderr).toBe(0);
    const events = waited.stderr.split('\n').flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as { msg: string }] : []));
    expect(events.map((e) => e.msg)).toEqual(
      expect.arrayContaining([
        'archive restore started',
        'waiting for the archive restore',
        'archived objects readable',
        'restore complete',
      ]),
    );
    expect(events.find((e) => e.msg === 'archive restore started')).toMatchObject({
      storageClass: 'GLACIER',
      tier: 'Expedited',
      typically: expect.stringMatching(/^1-5 minutes/),
    });
    const after = await fingerprintDatabase(postgresUrl(target));
    expect(after.tables).toEqual(atDump.tables);
    expect(after.sequences).toEqual(atDump.sequences);
    const [record] = await restoreRecords(bucket, 'old-db');
    expect(record).toMatchObject({ backup: backupId, result: 'succeeded' });
  });

  it('a manifest archived too is restored first, then the dump', async () => {
    const { owner, bucket, backupId, atDump } = await archivedBackup('GLACIER', { manifestToo: true });
    const target = await createOwnedDatabase(owner, 'both');

    const result = await restore(bucket, backupId, owner, target, '--wait');

    expect(result.exitCode, result.stderr).toBe(0);
    const started = result.stderr.split('\n').filter((line) => line.includes('"archive restore started"'));
    expect(started.map((line) => (JSON.parse(line) as { key: string }).key)).toEqual([
      manifestKey('old-db', backupId),
      expect.stringMatching(/dump\.pgdump\.zst$/),
    ]);
    expect((await fingerprintDatabase(postgresUrl(target))).tables).toEqual(atDump.tables);
  });

  it('DEEP_ARCHIVE has no Expedited tier: refused, naming the flag, the value and the tiers there are, before any S3 restore', async () => {
    const { owner, bucket, backupId } = await archivedBackup('DEEP_ARCHIVE');
    const target = await createOwnedDatabase(owner, 'deep');
    const manifest = JSON.parse(await getText(bucket, manifestKey('old-db', backupId))) as BackupManifest;

    const result = await restore(bucket, backupId, owner, target, '--restore-tier', 'Expedited');

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `--restore-tier (Expedited) is not offered for DEEP_ARCHIVE (s3://${bucket}/${manifest.dump.key}): use Standard or Bulk`,
    );
    const head = await s3Client().send(
      new HeadObjectCommand({ Bucket: bucket, Key: manifest.dump.key, VersionId: manifest.dump.versionId }),
    );
    expect(head.StorageClass).toBe('DEEP_ARCHIVE');
    expect(head.Restore).toBeUndefined();
  });
});

describe('verify and download of an archived backup', () => {
  it('verify --wait restores the dump and the roles from the archive, then proves the backup', async () => {
    const { bucket, backupId } = await archivedBackup('GLACIER');

    const result = await runCli([
      'verify',
      '--db-id',
      'old-db',
      '--bucket',
      bucket,
      '--backup',
      backupId,
      '--wait',
      '--poll-seconds',
      '1',
      '--json',
    ]);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ backupId, passed: true, checksumOk: true });
    expect(result.stderr.split('\n').filter((line) => line.includes('"archive restore started"'))).toHaveLength(2);
  });

  it('download without --wait exits 3 with the same message; no file is written', async () => {
    const { bucket, backupId } = await archivedBackup('GLACIER');
    const output = join(tmpdir(), `archived-${backupId}.pgdump`);

    const result = await runCli(['download', '--db-id', 'old-db', '--bucket', bucket, '--backup', backupId, '--output', output]);

    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('is under way (tier Standard, typically 3-5 hours');
    const { existsSync } = await import('node:fs');
    expect(existsSync(output)).toBe(false);
  });

  it('every path that reads an object says an archived one is archived, and what to run (InvalidObjectState)', async () => {
    const { bucket, backupId } = await archivedBackup('GLACIER', { manifestToo: true });
    const s3 = s3Client();

    await expect(getJson(s3, bucket, manifestKey('old-db', backupId), STORED_DOCUMENTS.manifest)).rejects.toThrow(
      `s3://${bucket}/${manifestKey('old-db', backupId)} is archived in GLACIER (S3 answers InvalidObjectState: its bytes are offline until restored). ` +
        'pg-backup restore, verify and download start that restore themselves: run the command again with --restore-tier Expedited|Standard|Bulk',
    );
    const dumpKey = `databases/old-db/backups/${backupId}/dump.pgdump.zst`;
    const versions = await s3.send(new (await import('@aws-sdk/client-s3')).ListObjectVersionsCommand({ Bucket: bucket, Prefix: dumpKey }));
    const archived = versions.Versions!.find((v) => (v.StorageClass as string) === 'GLACIER')!;
    await expect(
      downloadDecompressed(
        s3,
        bucket,
        { key: dumpKey, versionId: archived.VersionId!, sha256: '0'.repeat(64), storedBytes: 1 },
        join(tmpdir(), 'never'),
        silentReporter,
        'download',
      ),
    ).rejects.toThrow(`s3://${bucket}/${dumpKey} is archived in GLACIER (S3 answers InvalidObjectState`);
    // list still lists the backup, and says its manifest is archived
    const listed = await runCli(['list', '--db-id', 'old-db', '--bucket', bucket]);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${backupId} .*manifest archived \\(GLACIER\\)`));
  });
});
