import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { checkDatabases } from '../../../../src/contract/freshness/check.js';
import { DEFAULT_LIMITS } from '../../../../src/contract/freshness/limits.js';
import { listDatabaseIds, readPointers } from '../../../../src/contract/freshness/pointers.js';
import { manifestKey } from '../../../../src/contract/layout.js';
import { createBucket, s3Client } from '../../../support/services.js';
import { backupSummaries, writePointer, writeVerification } from './backup-history.js';

const GB = 1_000_000_000;

/** Records the S3 operations a client sends, to prove status never lists the history. */
function countingClient() {
  const s3 = s3Client();
  const operations: string[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      operations.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'countOperations' },
  );
  return { s3, operations };
}

describe('checkDatabases against S3 (moto)', () => {
  test('GIVEN a fresh, a stale and a missing database THEN each is judged from its pointer documents', async () => {
    const s3 = s3Client();
    const bucket = await createBucket();
    const fresh = await writePointer(s3, bucket, 'fresh-db', { newestAgeHours: 2, sizes: [GB, GB, GB, GB] });
    await writeVerification(s3, bucket, 'fresh-db', { backupId: fresh.latest.backupId, ageHours: 1, passed: true });
    await writePointer(s3, bucket, 'stale-db', { newestAgeHours: 31.5, sizes: [GB] });

    const statuses = await checkDatabases(
      s3,
      bucket,
      ['fresh-db', 'stale-db', 'missing-db'].map((databaseId) => ({ databaseId, limits: DEFAULT_LIMITS })),
    );

    expect(statuses.map((s) => [s.databaseId, s.ok, s.problems.map((p) => p.summary)])).toEqual([
      ['fresh-db', true, []],
      ['stale-db', false, ['newest backup is 31 h old (limit 26 h)']],
      ['missing-db', false, ['no backup exists']],
    ]);
    expect(statuses[0]!.verification?.passed).toBe(true);
  });

  test("GIVEN a long history THEN status lists only the pointers' prefix once and reads only the pointer that exists", async () => {
    const { s3, operations } = countingClient();
    const bucket = await createBucket();
    // Forty backups' manifests really exist under backups/; status must not touch them.
    for (const summary of backupSummaries({ newestAgeHours: 1, sizes: Array.from({ length: 40 }, () => GB) })) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: manifestKey('big-db', summary.backupId), Body: '{}' }));
    }
    await writePointer(s3, bucket, 'big-db', { newestAgeHours: 1, sizes: Array.from({ length: 8 }, () => GB) });
    operations.length = 0;

    await checkDatabases(s3, bucket, [{ databaseId: 'big-db', limits: DEFAULT_LIMITS }]);

    // No verification yet: one listing, then one GET (latest.json), never a backup's manifest.
    expect(operations).toEqual(['ListObjectsV2Command', 'GetObjectCommand']);
  });

  test('GIVEN a pointer of another schema version THEN reading refuses it and names the key', async () => {
    const s3 = s3Client();
    const bucket = await createBucket();
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'databases/odd-db/latest.json',
        Body: JSON.stringify({ schemaVersion: 99, databaseId: 'odd-db' }),
      }),
    );
    await expect(readPointers(s3, bucket, 'odd-db')).rejects.toThrow(
      `s3://${bucket}/databases/odd-db/latest.json: schemaVersion 99 is not one this pg-backup reads (1): written by a newer pg-backup?`,
    );
  });

  test('listDatabaseIds finds every database by prefix', async () => {
    const s3 = s3Client();
    const bucket = await createBucket();
    await writePointer(s3, bucket, 'b-db', { newestAgeHours: 1, sizes: [GB] });
    await writePointer(s3, bucket, 'a-db', { newestAgeHours: 1, sizes: [GB] });
    expect(await listDatabaseIds(s3, bucket)).toEqual(['a-db', 'b-db']);
  });
});
