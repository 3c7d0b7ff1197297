import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import type { ChatbotNotification } from '../../../lambda/freshness/alert-message.js';
import { runFreshnessCheck } from '../../../lambda/freshness/run-check.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { dumpKey } from '../../../src/contract/layout.js';
import type { LatestPointer } from '../../../src/contract/manifest.js';
import { DATABASE_DIMENSION, METRIC_NAMESPACE, MetricName } from '../../../src/contract/metrics.js';
import { writePointer, writeVerification } from '../../src/contract/freshness/backup-history.js';
import { s3Client, uniqueName } from '../../support/services.js';
import { freshnessFixture } from './aws-fixture.js';

// The freshness check compares each database's backups with the replica bucket (in another region, as the
// vault's is) on moto: the copies are real objects in a real second bucket, complete or not.

const HOUR = 3600_000;
const REPLICA_REGION = 'eu-central-1';
const MAX_LAG_SECONDS = 3 * 3600;
// Small dumps: the check compares sizes, so each copy is an object of exactly the recorded length.
const sizes = [5200, 5100, 5000, 5300, 5150, 5050, 5250, 5000];

async function setUp(databaseId: string) {
  const fixture = await freshnessFixture();
  const replicaS3 = s3Client(REPLICA_REGION);
  const replicaBucket = uniqueName('replica');
  await replicaS3.send(
    new CreateBucketCommand({ Bucket: replicaBucket, CreateBucketConfiguration: { LocationConstraint: REPLICA_REGION } }),
  );
  await replicaS3.send(new PutBucketVersioningCommand({ Bucket: replicaBucket, VersioningConfiguration: { Status: 'Enabled' } }));
  const config = fixture.configFor([{ id: databaseId, limits: DEFAULT_LIMITS, dumpNowCommand: 'aws ecs run-task ...' }], {
    replica: { bucket: replicaBucket, region: REPLICA_REGION, maxLagSeconds: MAX_LAG_SECONDS },
  });
  const clients = { ...fixture.clients, replicaS3 };
  /** Puts the replica's copy of one backup's dump, of `bytes` bytes. */
  const copy = (backupId: string, bytes: number) =>
    replicaS3.send(new PutObjectCommand({ Bucket: replicaBucket, Key: dumpKey(databaseId, backupId), Body: Buffer.alloc(bytes, 7) }));
  /** A healthy primary history: the newest backup `newestAgeHours` old, daily before it, the newest verified. */
  const history = async (newestAgeHours: number, now: Date): Promise<LatestPointer> => {
    const pointer = await writePointer(fixture.clients.s3, fixture.bucket, databaseId, { newestAgeHours, sizes, now });
    await writeVerification(fixture.clients.s3, fixture.bucket, databaseId, {
      backupId: pointer.latest.backupId,
      ageHours: 1,
      passed: true,
      now,
    });
    return pointer;
  };
  const lagMetric = async (now: Date) => {
    const { Datapoints } = await fixture.clients.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: METRIC_NAMESPACE,
        MetricName: MetricName.ReplicaLagSeconds,
        Dimensions: [{ Name: DATABASE_DIMENSION, Value: databaseId }],
        StartTime: new Date(now.getTime() - HOUR),
        EndTime: new Date(now.getTime() + HOUR),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    return Datapoints?.map((d) => d.Maximum);
  };
  return { ...fixture, clients, config, replicaBucket, copy, history, lagMetric };
}

describe('the freshness check watches the copy in the replica (moto, two buckets in two regions)', () => {
  test('GIVEN the newest backup copied at its full size THEN no alert, lag 0', async () => {
    const db = uniqueName('copied-db');
    const { clients, config, copy, history, lagMetric, drain } = await setUp(db);
    const now = new Date();
    const pointer = await history(4, now);
    await copy(pointer.latest.backupId, pointer.latest.storedBytes);

    const { statuses } = await runFreshnessCheck(config, clients, now);

    expect(statuses[0]).toMatchObject({ ok: true, replica: { newestCopiedBackupId: pointer.latest.backupId, lagSeconds: 0 } });
    expect(await drain()).toEqual([]);
    expect(await lagMetric(now)).toEqual([0]);
  });

  test('GIVEN a backup 1 h old not copied yet (limit 3 h) THEN no alert, but the lag is published', async () => {
    const db = uniqueName('in-flight-db');
    const { clients, config, copy, history, lagMetric, drain } = await setUp(db);
    const now = new Date();
    const pointer = await history(1, now);
    await copy(pointer.previous[0]!.backupId, pointer.previous[0]!.storedBytes);

    const { statuses } = await runFreshnessCheck(config, clients, now);

    expect(statuses[0]).toMatchObject({ ok: true, replica: { lagSeconds: 3600, missingBackupIds: [pointer.latest.backupId] } });
    expect(await drain()).toEqual([]);
    expect(await lagMetric(now)).toEqual([3600]);
  });

  test('GIVEN the two newest backups without copies THEN one alert naming the oldest uncopied backup and pointing at replication, not at a dump', async () => {
    const db = uniqueName('lagging-db');
    const { clients, config, copy, history, lagMetric, drain, replicaBucket } = await setUp(db);
    const now = new Date();
    const pointer = await history(4, now);
    const [first, second] = pointer.previous;
    await copy(second!.backupId, second!.storedBytes);
    // The second newest's copy is there but cut short: not a copy.
    await copy(first!.backupId, first!.storedBytes - 1);

    const { statuses } = await runFreshnessCheck(config, clients, now);
    const messages = await drain();

    expect(statuses[0]!.replica).toEqual({
      bucket: replicaBucket,
      newestCopiedBackupId: second!.backupId,
      lagSeconds: 28 * 3600,
      missingBackupIds: [first!.backupId, pointer.latest.backupId],
    });
    expect(statuses[0]!.problems.map((p) => p.kind)).toEqual(['replica-behind']);
    expect(messages.map((m) => m.subject)).toEqual([`pg-backup ${db}: copy in the replica is 28 h behind (limit 3 h)`]);
    const alert = JSON.parse(messages[0]!.message) as ChatbotNotification;
    expect(alert.content.description).toContain(
      `Backup ${first!.backupId} of ${db} finished at ${first!.finishedAt}, 28 h ago, and its dump is still not in s3://${replicaBucket} at its full size; its newest complete copy is ${second!.backupId}.`,
    );
    expect(alert.content.nextSteps[0]).toContain(`aws s3api get-bucket-replication --bucket ${config.bucket}`);
    expect(alert.content.nextSteps[1]).toContain(`--replica-bucket ${replicaBucket} --replica-region ${REPLICA_REGION}`);
    expect(alert.content.nextSteps.join('\n')).not.toContain('Start a dump now');
    expect(await lagMetric(now)).toEqual([28 * 3600]);

    // Replication catches up: one OK message.
    await copy(first!.backupId, first!.storedBytes);
    await copy(pointer.latest.backupId, pointer.latest.storedBytes);
    const later = new Date(now.getTime() + HOUR / 4);
    await runFreshnessCheck(config, clients, later);
    expect((await drain()).map((m) => m.subject)).toEqual([`pg-backup ${db}: OK again, newest backup is 4 h old`]);
  });

  test('GIVEN a replica with no copy at all THEN the alert says none of the known backups is there', async () => {
    const db = uniqueName('empty-replica-db');
    const { clients, config, history, drain } = await setUp(db);
    const now = new Date();
    await history(2, now);

    const { statuses } = await runFreshnessCheck(config, clients, now);

    expect(statuses[0]!.replica).toMatchObject({ lagSeconds: (2 + 7 * 24) * 3600 });
    expect(statuses[0]!.replica!.newestCopiedBackupId).toBeUndefined();
    expect(statuses[0]!.problems[0]!.detail).toContain('none of the 8 backups the pointer knows has a complete copy there');
    expect(await drain()).toHaveLength(1);
  });
});
