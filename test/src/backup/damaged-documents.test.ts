import { describe, expect, it } from 'vitest';
import { latestPointerKey, manifestKey } from '../../../src/contract/layout.js';
import type { BackupManifest } from '../../../src/contract/manifest.js';
import { getText, newestVerificationKey, objectKeys, putBytes } from '../../support/backup-bucket.js';
import { runCli } from '../../support/cli.js';
import { createBucket, createDatabase, postgresUrl, sql } from '../../support/services.js';

/** A real backup of a small database in a fresh bucket, as `pg-backup dump` stores it. */
async function backedUp(databaseId: string): Promise<{ bucket: string; manifest: BackupManifest }> {
  const database = await createDatabase('damaged');
  await sql(database, 'CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 200) g');
  const bucket = await createBucket();
  const dump = await runCli(['dump', '--db-id', databaseId, '--bucket', bucket, '--json'], { PG_BACKUP_SOURCE: postgresUrl(database) });
  expect(dump.exitCode, dump.stderr).toBe(0);
  return { bucket, manifest: JSON.parse(dump.stdout) as BackupManifest };
}

/** Stores a new version of a JSON document with one change, the way a foreign writer or a bad edit would. */
async function damage(bucket: string, key: string, change: (document: Record<string, any>) => void): Promise<void> {
  const document = JSON.parse(await getText(bucket, key)) as Record<string, any>;
  change(document);
  await putBytes(bucket, key, JSON.stringify(document));
}

describe('a damaged stored document fails the command, naming the key and the field', () => {
  it('a latest pointer whose size is text: verify exits 1 naming latest.storedBytes, and records nothing', async () => {
    const { bucket, manifest } = await backedUp('pointer-db');
    await damage(bucket, latestPointerKey('pointer-db'), (pointer) => {
      pointer.latest.storedBytes = String(pointer.latest.storedBytes);
    });

    const result = await runCli(['verify', '--db-id', 'pointer-db', '--bucket', bucket]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `pg-backup: s3://${bucket}/databases/pointer-db/latest.json: latest.storedBytes must be a number, got "${manifest.dump.storedBytes}"`,
    );
    expect((await objectKeys(bucket)).filter((k) => k.includes('/verifications/') || k.endsWith('verification.json'))).toEqual([]);
  });

  it('a damaged latest pointer does not stop the next dump: it warns and publishes a new pointer without the damaged history', async () => {
    const { bucket, manifest } = await backedUp('history-db');
    await damage(bucket, latestPointerKey('history-db'), (pointer) => {
      pointer.previous = 'lost';
    });

    const database = manifest.source.database;
    const next = await runCli(['dump', '--db-id', 'history-db', '--bucket', bucket, '--json'], { PG_BACKUP_SOURCE: postgresUrl(database) });

    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toContain('the latest pointer is damaged: replacing it without its history');
    expect(next.stderr).toContain('previous must be a list, got \\"lost\\"');
    const pointer = JSON.parse(await getText(bucket, latestPointerKey('history-db')));
    expect(pointer).toMatchObject({ latest: { backupId: (JSON.parse(next.stdout) as BackupManifest).backupId }, previous: [] });
  });

  it('a manifest with a row count missing and a foreign format: verify exits 1 naming both fields', async () => {
    const { bucket, manifest } = await backedUp('manifest-db');
    await damage(bucket, manifestKey('manifest-db', manifest.backupId), (document) => {
      delete document.tables[0].rows;
      document.format = 'directory';
    });

    const result = await runCli(['verify', '--db-id', 'manifest-db', '--bucket', bucket, '--backup', manifest.backupId]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `pg-backup: s3://${bucket}/${manifestKey('manifest-db', manifest.backupId)}: format must be "custom", got "directory"; tables[0].rows is missing`,
    );
  });

  it('a verification record of another schema version: list exits 1 naming the key and the version', async () => {
    const { bucket, manifest } = await backedUp('record-db');
    const verify = await runCli(['verify', '--db-id', 'record-db', '--bucket', bucket]);
    expect(verify.exitCode, verify.stderr).toBe(0);
    const recordKey = await newestVerificationKey(bucket, 'record-db', manifest.backupId);
    await damage(bucket, recordKey, (record) => {
      record.schemaVersion = 2;
    });

    const result = await runCli(['list', '--db-id', 'record-db', '--bucket', bucket]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`pg-backup: s3://${bucket}/${recordKey}: schemaVersion 2 is not one this pg-backup reads (1)`);
  });
});
