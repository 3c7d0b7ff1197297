import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { createBucket, motoEndpoint, s3Client } from '../../../support/services.js';
import { writePointer, writeVerification } from '../../contract/freshness/backup-history.js';

const root = new URL('../../../../', import.meta.url).pathname;

/** The real `pg-backup` executable, talking to moto through the standard AWS_ENDPOINT_URL. */
function pgBackup(args: string[]) {
  return execa('node', ['bin/pg-backup.js', ...args], {
    cwd: root,
    reject: false,
    env: { AWS_ENDPOINT_URL: motoEndpoint(), AWS_REGION: 'eu-west-1' },
  });
}

describe('pg-backup status (the real CLI process against moto)', () => {
  test('GIVEN one fresh and one stale database THEN exit 2, the stale one named, the fresh one OK', async () => {
    const s3 = s3Client();
    const bucket = await createBucket();
    const fresh = await writePointer(s3, bucket, 'orders-db', { newestAgeHours: 2, sizes: [1e9, 1e9, 1e9, 1e9] });
    await writeVerification(s3, bucket, 'orders-db', { backupId: fresh.latest.backupId, ageHours: 1, passed: true });
    await writePointer(s3, bucket, 'billing-db', { newestAgeHours: 31.5, sizes: [1e9] });

    const result = await pgBackup(['status', '--bucket', bucket]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('pg-backup status: billing-db: newest backup is 31 h old (limit 26 h)');
    expect(result.stderr).not.toContain('orders-db');
    expect(result.stdout).toMatch(/^billing-db +FAILED +newest backup 31 h old/m);
    expect(result.stdout).toMatch(/^orders-db +OK +newest backup 2 h old .*verified 60 min ago: passed/m);
  });

  test('--json prints every fact; a generous --max-age passes', async () => {
    const s3 = s3Client();
    const bucket = await createBucket();
    await writePointer(s3, bucket, 'billing-db', { newestAgeHours: 31.5, sizes: [1e9] });

    const result = await pgBackup(['status', '--bucket', bucket, '--db-id', 'billing-db', '--max-age', '2d', '--json']);

    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      bucket,
      databases: [{ databaseId: 'billing-db', ok: true, problems: [], limits: { maxBackupAgeSeconds: 172_800 } }],
    });
    expect(Math.round(report.databases[0].backup.ageSeconds / 60)).toBe(31.5 * 60);
  });

  test('GIVEN a verification that measured a 20-minute recovery THEN status says so, and --rto 15m breaks on it while --rto 1h does not', async () => {
    const s3 = s3Client();
    const bucket = await createBucket();
    const pointer = await writePointer(s3, bucket, 'orders-db', { newestAgeHours: 2, sizes: [1e9, 1e9] });
    const recovery = {
      totalSeconds: 1200,
      downloadSeconds: 300,
      rolesSeconds: 0.5,
      restoreSeconds: 800,
      analyzeSeconds: 65,
      countSeconds: 33,
      smokeQueriesSeconds: 1.5,
    };
    await writeVerification(s3, bucket, 'orders-db', { backupId: pointer.latest.backupId, ageHours: 1, passed: true, recovery });

    const plain = await pgBackup(['status', '--bucket', bucket]);
    const tight = await pgBackup(['status', '--bucket', bucket, '--rto', '15m']);
    const loose = await pgBackup(['status', '--bucket', bucket, '--rto', '1h', '--json']);

    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^orders-db +OK +.*verified 60 min ago: passed; a recovery takes 20 min/m);
    expect(tight.exitCode).toBe(2);
    expect(tight.stderr).toContain('pg-backup status: orders-db: a recovery takes 20 min (RTO 15 min)');
    expect(tight.stdout).toMatch(/^orders-db +FAILED /m);
    expect(loose.exitCode, loose.stderr).toBe(0);
    expect(JSON.parse(loose.stdout)).toMatchObject({ ok: true, databases: [{ databaseId: 'orders-db', problems: [] }] });
  });

  test('GIVEN a database without any backup THEN exit 2 naming it', async () => {
    const bucket = await createBucket();
    const result = await pgBackup(['status', '--bucket', bucket, '--db-id', 'ghost-db']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('pg-backup status: ghost-db: no backup exists');
  });

  test('bad flags are all reported at once, named and echoed, with exit 1', async () => {
    const result = await pgBackup([
      'status',
      '--bucket',
      'b',
      '--db-id',
      'Bad_Id',
      '--max-age',
      '26 hours',
      '--size-tolerance',
      '30',
      '--rto',
      'soon',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('--max-age ("26 hours") must be a positive duration like 45s, 90m, 26h or 8d');
    expect(result.stderr).toContain('--size-tolerance ("30") must be a percentage like 30%');
    expect(result.stderr).toContain('--rto ("soon") must be a positive duration like 45s, 90m, 26h or 8d');
    expect(result.stderr).toContain(
      '--db-id ("Bad_Id") must be 1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen',
    );
  });
});
