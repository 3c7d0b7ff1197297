import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runDump } from '../../../src/backup/dump.js';
import { backupIdTime, latestPointerKey } from '../../../src/contract/layout.js';
import type { BackupManifest } from '../../../src/contract/manifest.js';
import { retentionTierOf } from '../../../src/contract/retention-tiers.js';
import { parsePostgresUrl } from '../../../src/postgres/connection.js';
import { type Reporter, silentReporter } from '../../../src/reporting/reporter.js';
import { putBytes } from '../../support/backup-bucket.js';
import { createBucket, createDatabase, postgresUrl, s3Client, sql } from '../../support/services.js';

/** The tags of every object of a backup, by file name. */
async function tagsOf(bucket: string, manifest: BackupManifest): Promise<Record<string, Record<string, string>>> {
  const keys = [manifest.dump.key, manifest.globals!.key, manifest.dump.key.replace(/dump\.pgdump\.zst$/, 'manifest.json')];
  const tags: Record<string, Record<string, string>> = {};
  for (const key of keys) {
    const { TagSet } = await s3Client().send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    tags[key.split('/').pop()!] = Object.fromEntries((TagSet ?? []).map((t) => [t.Key!, t.Value!]));
  }
  return tags;
}

describe('a backup is tagged with its retention tier as it is written (moto)', () => {
  it('the first backup is monthly, the next one of the same week daily; dump (multipart), globals and manifest all carry it', async () => {
    // GIVEN a database whose dump takes several 5 MiB parts (a multipart upload: the tag goes on CreateMultipartUpload)
    const database = await createDatabase('tiers');
    await sql(database, 'CREATE TABLE filler AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS a FROM generate_series(1, 300000) g');
    const bucket = await createBucket();
    const dump = () =>
      runDump({
        s3: s3Client(),
        bucket,
        databaseId: 'tiers-db',
        source: parsePostgresUrl(postgresUrl(database), 'source'),
        reporter: silentReporter,
        partBytes: 5 * 1024 * 1024,
      });

    // WHEN it is dumped twice
    const first = await dump();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await dump();

    // THEN the first is monthly, in its manifest and on every object
    expect(first.dump.storedBytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(first.retentionTier).toBe('monthly');
    expect(await tagsOf(bucket, first)).toEqual({
      'dump.pgdump.zst': { 'backup-tier': 'monthly' },
      'globals.sql.zst': { 'backup-tier': 'monthly' },
      'manifest.json': { 'backup-tier': 'monthly' },
    });
    // and the second takes the tier its start and the first's decide (daily, unless a week or month began between them)
    const expected = retentionTierOf(backupIdTime(second.backupId), backupIdTime(first.backupId));
    expect(second.retentionTier).toBe(expected);
    const tags = await tagsOf(bucket, second);
    for (const file of Object.keys(tags)) expect(tags[file]).toEqual({ 'backup-tier': expected });
  });

  it('a damaged latest pointer does not stop the backup: it is kept monthly, and the warning says why', async () => {
    const database = await createDatabase('tiers');
    await sql(database, 'CREATE TABLE t AS SELECT 1 AS id');
    const bucket = await createBucket();
    await putBytes(bucket, latestPointerKey('damaged-db'), '{ not json');
    const warnings: string[] = [];
    const reporter: Reporter = { ...silentReporter, warn: (message) => warnings.push(message) };

    const manifest = await runDump({
      s3: s3Client(),
      bucket,
      databaseId: 'damaged-db',
      source: parsePostgresUrl(postgresUrl(database), 'source'),
      reporter,
    });

    expect(manifest.retentionTier).toBe('monthly');
    expect(warnings).toContain('the latest pointer is damaged: this backup is kept as monthly (the longest tier)');
    expect((await tagsOf(bucket, manifest))['dump.pgdump.zst']).toEqual({ 'backup-tier': 'monthly' });
  });
});
