import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, test } from 'vitest';
import type { ChatbotNotification } from '../../../lambda/freshness/alert-message.js';
import { runFreshnessCheck } from '../../../lambda/freshness/run-check.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { DATABASE_DIMENSION, METRIC_NAMESPACE, MetricName } from '../../../src/contract/metrics.js';
import { writePointer, writeVerification } from '../../src/contract/freshness/backup-history.js';
import { freshnessFixture } from './aws-fixture.js';

const GB = 1_000_000_000;
const HOUR = 3600_000;
// Whole bytes, as dump stores them (the pointer's schema refuses a fraction: 2.05 * GB is 2049999999.9999998).
const steady = [2, 2, 2.1, 1.9, 2, 2.05, 1.95, 2].map((gb) => Math.round(gb * GB));

async function setUp(databaseIds: string[]) {
  const fixture = await freshnessFixture();
  const config = fixture.configFor(
    databaseIds.map((id) => ({
      id,
      limits: DEFAULT_LIMITS,
      dumpNowCommand: `aws ecs run-task --cluster pg-backup --task-definition pg-backup-dump-${id} --launch-type FARGATE`,
      logGroupName: `/pg-backup/${id}`,
    })),
  );
  return { ...fixture, config };
}

/** Writes a healthy history: a 3 h old backup of steady size, verified an hour ago. */
async function healthy(s3: Parameters<typeof writePointer>[0], bucket: string, databaseId: string, now: Date) {
  const pointer = await writePointer(s3, bucket, databaseId, { newestAgeHours: 3, sizes: steady, now });
  await writeVerification(s3, bucket, databaseId, { backupId: pointer.latest.backupId, ageHours: 1, passed: true, now });
  return pointer;
}

function card(message: string): ChatbotNotification {
  return JSON.parse(message) as ChatbotNotification;
}

describe('the freshness check against moto (S3, SNS -> SQS, DynamoDB, CloudWatch)', () => {
  test('GIVEN a stale backup THEN exactly one message, with the right text; a second run stays quiet', async () => {
    const { clients, config, bucket, drain } = await setUp(['orders-db']);
    const now = new Date();
    const pointer = await writePointer(clients.s3, bucket, 'orders-db', { newestAgeHours: 31.2, sizes: steady, now });
    await writeVerification(clients.s3, bucket, 'orders-db', { backupId: pointer.latest.backupId, ageHours: 30, passed: true, now });

    await runFreshnessCheck(config, clients, now);
    const messages = await drain();

    expect(messages).toHaveLength(1);
    expect(messages[0]!.subject).toBe('pg-backup orders-db: newest backup is 31 h old (limit 26 h)');
    const alert = card(messages[0]!.message);
    expect(alert).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
      metadata: { threadId: 'pg-backup-orders-db' },
    });
    expect(alert.content.title).toContain('pg-backup orders-db: newest backup is 31 h old (limit 26 h)');
    expect(alert.content.description).toContain(
      `The newest successful backup of orders-db (${pointer.latest.backupId}) finished at ${pointer.latest.finishedAt}`,
    );
    expect(alert.content.description).toContain(
      `*Newest good backup:* ${pointer.latest.backupId}, finished ${pointer.latest.finishedAt} (31 h ago), restore-tested: passed`,
    );
    expect(alert.content.nextSteps).toEqual([
      'Start a dump now: `aws ecs run-task --cluster pg-backup --task-definition pg-backup-dump-orders-db --launch-type FARGATE`',
      `Restore the newest good backup into a NEW database: \`npx pg-backup restore --db-id orders-db --bucket ${bucket} --backup ${pointer.latest.backupId} --target 'postgresql://USER@HOST:5432/NEW_DATABASE'\``,
      'Logs: `aws logs tail /pg-backup/orders-db --since 2d --region eu-west-1`',
      'Logs: `aws logs tail /aws/lambda/pg-backup-freshness --since 1h --region eu-west-1`',
    ]);

    // Same state a quarter of an hour later: no repeat.
    await runFreshnessCheck(config, clients, new Date(now.getTime() + HOUR / 4));
    expect(await drain()).toEqual([]);
  });

  test('GIVEN a fresh, verified backup THEN no message, and the metrics carry its facts', async () => {
    const { clients, config, bucket, drain } = await setUp(['fresh-db']);
    const now = new Date();
    await healthy(clients.s3, bucket, 'fresh-db', now);

    const result = await runFreshnessCheck(config, clients, now);

    expect(result.statuses.map((s) => s.ok)).toEqual([true]);
    expect(await drain()).toEqual([]);
    const stat = async (name: string) => {
      const { Datapoints } = await clients.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: METRIC_NAMESPACE,
          MetricName: name,
          Dimensions: [{ Name: DATABASE_DIMENSION, Value: 'fresh-db' }],
          StartTime: new Date(now.getTime() - HOUR),
          EndTime: new Date(now.getTime() + HOUR),
          Period: 60,
          Statistics: ['Maximum'],
        }),
      );
      return Datapoints?.map((d) => d.Maximum);
    };
    expect(await stat(MetricName.BackupAgeSeconds)).toEqual([3 * 3600]);
    expect(await stat(MetricName.BackupBytes)).toEqual([2 * GB]);
    expect(await stat(MetricName.DumpDurationSeconds)).toEqual([95]);
    expect(await stat(MetricName.LastVerificationPassed)).toEqual([1]);
    expect(await stat(MetricName.VerificationAgeSeconds)).toEqual([3600]);
    expect(await stat(MetricName.RestoreSeconds)).toEqual([42]);
    expect(await stat(MetricName.BackupSizeAnomaly)).toEqual([0]);
  });

  test('GIVEN a backup 70% smaller than the median THEN a size-anomaly message', async () => {
    const { clients, config, bucket, drain } = await setUp(['shrunk-db']);
    const now = new Date();
    const pointer = await writePointer(clients.s3, bucket, 'shrunk-db', { newestAgeHours: 2, sizes: [0.6 * GB, ...steady.slice(1)], now });
    await writeVerification(clients.s3, bucket, 'shrunk-db', { backupId: pointer.latest.backupId, ageHours: 1, passed: true, now });

    await runFreshnessCheck(config, clients, now);
    const messages = await drain();

    expect(messages.map((m) => m.subject)).toEqual([
      'pg-backup shrunk-db: newest backup is 70% smaller than usual (600 MB vs median 2.0 GB)',
    ]);
    expect(card(messages[0]!.message).content.description).toContain('Check for dropped or truncated tables');
  });

  test('GIVEN a failed verification THEN the message names the mismatch and offers the previous backup', async () => {
    const { clients, config, bucket, drain } = await setUp(['broken-db']);
    const now = new Date();
    const pointer = await writePointer(clients.s3, bucket, 'broken-db', { newestAgeHours: 2, sizes: steady, now });
    await writeVerification(clients.s3, bucket, 'broken-db', {
      backupId: pointer.latest.backupId,
      ageHours: 1,
      passed: false,
      mismatches: ['table public.orders: restored 990 rows, the manifest says 1000'],
      now,
    });

    await runFreshnessCheck(config, clients, now);
    const messages = await drain();

    expect(messages.map((m) => m.subject)).toEqual([`pg-backup broken-db: verification of backup ${pointer.latest.backupId} FAILED`]);
    const alert = card(messages[0]!.message);
    expect(alert.content.description).toContain('table public.orders: restored 990 rows, the manifest says 1000');
    expect(alert.content.description).toContain(`*Newest good backup:* ${pointer.previous[0]!.backupId}`);
    expect(alert.content.nextSteps[1]).toContain(`--backup ${pointer.previous[0]!.backupId}`);
  });

  test('GIVEN no backup at all THEN a no-backup message with nothing to restore, and no backup metrics (silence breaches)', async () => {
    const { clients, config, drain } = await setUp(['new-db']);
    const now = new Date();

    await runFreshnessCheck(config, clients, now);
    const messages = await drain();

    expect(messages.map((m) => m.subject)).toEqual(['pg-backup new-db: no backup exists']);
    const alert = card(messages[0]!.message);
    expect(alert.content.description).toContain('*Newest good backup:* none: there is no backup to restore from');
    expect(alert.content.nextSteps[1]).toBe('Nothing to restore yet: get a first dump to succeed.');
  });

  test('GIVEN a lasting problem THEN a reminder after the interval; on recovery one OK message; then quiet', async () => {
    const { clients, config, bucket, drain } = await setUp(['flaky-db']);
    const t0 = new Date();
    const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
    // Four days of history and no verification yet: within the verification grace period.
    await writePointer(clients.s3, bucket, 'flaky-db', { newestAgeHours: 27, sizes: steady.slice(0, 4), now: t0 });

    await runFreshnessCheck(config, clients, t0);
    await runFreshnessCheck(config, clients, at(3));
    expect((await drain()).map((m) => m.subject)).toEqual(['pg-backup flaky-db: newest backup is 27 h old (limit 26 h)']);

    await runFreshnessCheck(config, clients, at(6));
    expect((await drain()).map((m) => m.subject)).toEqual([
      'pg-backup flaky-db: still broken after 6 h: newest backup is 33 h old (limit 26 h)',
    ]);

    await healthy(clients.s3, bucket, 'flaky-db', at(7));
    await runFreshnessCheck(config, clients, at(7));
    const recovered = await drain();
    expect(recovered.map((m) => m.subject)).toEqual(['pg-backup flaky-db: OK again, newest backup is 3 h old']);
    expect(card(recovered[0]!.message).metadata.eventType).toBe('PgBackupRecovered');

    await runFreshnessCheck(config, clients, at(20));
    expect(await drain()).toEqual([]);
  });

  test('GIVEN one unreadable pointer THEN the other databases are still checked and the run fails naming it', async () => {
    const { clients, config, bucket, drain } = await setUp(['good-db', 'garbled-db']);
    const now = new Date();
    await writePointer(clients.s3, bucket, 'good-db', { newestAgeHours: 40, sizes: steady.slice(0, 4), now });
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'databases/garbled-db/latest.json', Body: '{not json' }));

    const failure = runFreshnessCheck(config, clients, now);
    await expect(failure).rejects.toThrow(/could not read 1 database\(s\): garbled-db: .*latest.json: not valid JSON/);
    // The Lambda's own error, with the runtime's as its cause (and JSON.parse's below that).
    await expect(failure).rejects.toMatchObject({
      name: 'FreshnessCheckError',
      cause: { name: 'PgBackupError', cause: expect.any(SyntaxError) },
    });
    expect((await drain()).map((m) => m.subject)).toEqual(['pg-backup good-db: newest backup is 40 h old (limit 26 h)']);
  });
});
