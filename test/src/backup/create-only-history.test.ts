import { GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { putJson, WriteConflictError } from '../../../src/aws/s3-json.js';
import { uploadCompressed } from '../../../src/backup/compressed-upload.js';
import { runDump } from '../../../src/backup/dump.js';
import { runVerify } from '../../../src/backup/verify.js';
import { dumpKey, latestPointerKey, latestVerificationKey, verificationsPrefix } from '../../../src/contract/layout.js';
import { parsePostgresUrl } from '../../../src/postgres/connection.js';
import { startTool } from '../../../src/process/child-process.js';
import { silentReporter } from '../../../src/reporting/reporter.js';
import { getText, objectKeys, openMultipartUploads } from '../../support/backup-bucket.js';
import { createBucket, createDatabase, postgresUrl, s3Client, sql } from '../../support/services.js';

// History is create-only (issue "Out of the blast radius"): every object is written with If-None-Match: *, the
// pointers with If-Match on what was read. moto honours both (S3 conditional writes), so these run for real.

async function versionsOf(bucket: string, key: string): Promise<number> {
  const listed = await s3Client().send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return (listed.Versions ?? []).filter((v) => v.Key === key).length;
}

async function smallDatabase(): Promise<string> {
  const database = await createDatabase('history');
  await sql(database, 'CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g');
  return database;
}

describe('create-only history', () => {
  it('a second write of an existing record fails and leaves the first as it was', async () => {
    const bucket = await createBucket();
    const key = 'databases/x-db/backups/20261125T020000Z-abc123/manifest.json';
    await putJson(s3Client(), bucket, key, { first: true }, undefined, { create: true });

    await expect(putJson(s3Client(), bucket, key, { second: true }, undefined, { create: true })).rejects.toThrow(WriteConflictError);
    await expect(putJson(s3Client(), bucket, key, { second: true }, undefined, { create: true })).rejects.toThrow(
      `s3://${bucket}/${key} already exists: history is create-only, nothing was overwritten`,
    );
    expect(JSON.parse(await getText(bucket, key))).toEqual({ first: true });
    expect(await versionsOf(bucket, key)).toBe(1);
  });

  it('a second upload of an existing dump object fails, aborts its multipart upload and leaves the first version alone', async () => {
    const bucket = await createBucket();
    const key = dumpKey('x-db', '20261125T020000Z-abc123');
    // 12 MiB of random bytes: three 5 MiB parts, so the second upload is a multipart one that fails at completion.
    const upload = () =>
      uploadCompressed({
        s3: s3Client(),
        bucket,
        key,
        producer: startTool('head', 'head', ['-c', String(12 * 1024 * 1024), '/dev/urandom']),
        reporter: silentReporter,
        step: 'dump',
      });
    const first = await upload();

    await expect(upload()).rejects.toThrow(WriteConflictError);
    expect(await openMultipartUploads(bucket)).toEqual([]);
    expect(await versionsOf(bucket, key)).toBe(1);
    const stored = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(stored.VersionId).toBe(first.versionId);
  });

  it('two dumps of one database at once both land in latest.json: neither overwrites the other', async () => {
    const database = await smallDatabase();
    const bucket = await createBucket();
    const dump = () =>
      runDump({
        s3: s3Client(),
        bucket,
        databaseId: 'twice-db',
        source: parsePostgresUrl(postgresUrl(database), 'source'),
        reporter: silentReporter,
      });

    const [a, b] = await Promise.all([dump(), dump()]);

    const latest = JSON.parse(await getText(bucket, latestPointerKey('twice-db'))) as {
      latest: { backupId: string };
      previous: { backupId: string }[];
    };
    expect(new Set([latest.latest.backupId, ...latest.previous.map((p) => p.backupId)])).toEqual(new Set([a.backupId, b.backupId]));
    // The pointer was written twice, each time on top of the other: two versions, no lost entry.
    expect(await versionsOf(bucket, latestPointerKey('twice-db'))).toBe(2);
  });

  it('two verifications of one backup each keep their own record; the pointer names the newer', async () => {
    const database = await smallDatabase();
    const bucket = await createBucket();
    const manifest = await runDump({
      s3: s3Client(),
      bucket,
      databaseId: 'verified-db',
      source: parsePostgresUrl(postgresUrl(database), 'source'),
      reporter: silentReporter,
    });

    const first = await runVerify({ s3: s3Client(), bucket, manifest, reporter: silentReporter });
    const second = await runVerify({ s3: s3Client(), bucket, manifest, reporter: silentReporter });

    expect([first.passed, second.passed]).toEqual([true, true]);
    expect(await objectKeys(bucket, verificationsPrefix('verified-db', manifest.backupId))).toHaveLength(2);
    const latest = JSON.parse(await getText(bucket, latestVerificationKey('verified-db'))) as { verifiedAt: string };
    expect(latest.verifiedAt).toBe(second.verifiedAt);
  });
});
