import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, test } from 'vitest';
import { runFreshnessCheck } from '../../../lambda/freshness/run-check.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { DATABASE_DIMENSION, METRIC_NAMESPACE, MetricName } from '../../../src/contract/metrics.js';
import { writePointer, writeVerification } from '../../src/contract/freshness/backup-history.js';
import { motoEndpoint, uniqueName } from '../../support/services.js';
import { freshnessFixture } from './aws-fixture.js';

const MINUTE = 60_000;
const RECOVERY = {
  totalSeconds: 1234.5,
  downloadSeconds: 300,
  rolesSeconds: 0.5,
  restoreSeconds: 800,
  analyzeSeconds: 100,
  countSeconds: 33,
  smokeQueriesSeconds: 1,
};

/** An RDS instance in moto, with automated backups kept `retentionDays` (moto reports LatestRestorableTime as now). */
async function rdsInstance(rds: RDSClient, retentionDays: number): Promise<string> {
  const id = uniqueName('pitr');
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.micro',
      AllocatedStorage: 20,
      MasterUsername: 'postgres',
      MasterUserPassword: 'not-used-1',
      BackupRetentionPeriod: retentionDays,
    }),
  );
  return id;
}

async function setUp(databases: { id: string; rdsInstance?: string; rtoSeconds?: number }[]) {
  const fixture = await freshnessFixture();
  const rds = new RDSClient({ region: fixture.region, endpoint: motoEndpoint() });
  const config = fixture.configFor(
    databases.map(({ id, rdsInstance, rtoSeconds = 3600 }) => ({
      id,
      limits: DEFAULT_LIMITS,
      dumpNowCommand: `run-dump ${id}`,
      targets: { rpoSeconds: 26 * 3600, rtoSeconds },
      ...(rdsInstance ? { pointInTimeRecovery: { rdsInstance, minRetentionDays: 7, maxLagSeconds: 900 } } : {}),
    })),
  );
  return { ...fixture, config, clients: { ...fixture.clients, rds }, rds };
}

/** A database (its own id: metrics in moto outlive a test) watching a new RDS instance keeping `retentionDays`. */
async function withRdsInstance(retentionDays: number) {
  const databaseId = uniqueName('rds-db');
  const rds = new RDSClient({ region: 'eu-west-1', endpoint: motoEndpoint() });
  const instance = await rdsInstance(rds, retentionDays);
  return { fixture: await setUp([{ id: databaseId, rdsInstance: instance }]), databaseId, instance };
}

async function healthyBackups(fixture: Awaited<ReturnType<typeof setUp>>, databaseId: string, now: Date, passed = true) {
  const pointer = await writePointer(fixture.clients.s3, fixture.bucket, databaseId, {
    newestAgeHours: 3,
    sizes: [2e9, 2e9, 2e9, 2e9],
    now,
  });
  await writeVerification(fixture.clients.s3, fixture.bucket, databaseId, {
    backupId: pointer.latest.backupId,
    ageHours: 1,
    passed,
    recovery: RECOVERY,
    now,
  });
}

async function metric(fixture: Awaited<ReturnType<typeof setUp>>, databaseId: string, name: string, now: Date) {
  const { Datapoints } = await fixture.clients.cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: METRIC_NAMESPACE,
      MetricName: name,
      Dimensions: [{ Name: DATABASE_DIMENSION, Value: databaseId }],
      StartTime: new Date(now.getTime() - 60 * MINUTE),
      EndTime: new Date(now.getTime() + 60 * MINUTE),
      Period: 60,
      Statistics: ['Maximum'],
    }),
  );
  return Datapoints?.map((d) => d.Maximum);
}

describe('the freshness check publishes the measured recovery time and watches the RDS tier (moto)', () => {
  test("GIVEN a passed verification with recovery times THEN RecoverySeconds is its whole recovery; a failed one's is not published", async () => {
    const [timed, failed] = [uniqueName('timed-db'), uniqueName('failed-db')];
    const fixture = await setUp([{ id: timed }, { id: failed }]);
    const now = new Date();
    await healthyBackups(fixture, timed, now);
    await healthyBackups(fixture, failed, now, false);

    await runFreshnessCheck(fixture.config, fixture.clients, now);

    expect(await metric(fixture, timed, MetricName.RecoverySeconds, now)).toEqual([1234.5]);
    expect(await metric(fixture, failed, MetricName.RecoverySeconds, now)).toEqual([]);
  });

  test('GIVEN a recovery measured longer than the RTO THEN one alert saying so, without a dump step; within it, none', async () => {
    const [slow, quick] = [uniqueName('slow-db'), uniqueName('quick-db')];
    // RECOVERY takes 1234.5 s: over a 15-minute RTO, within an hour.
    const fixture = await setUp([
      { id: slow, rtoSeconds: 900 },
      { id: quick, rtoSeconds: 3600 },
    ]);
    const now = new Date();
    await healthyBackups(fixture, slow, now);
    await healthyBackups(fixture, quick, now);

    const result = await runFreshnessCheck(fixture.config, fixture.clients, now);

    expect(result.statuses.map((s) => [s.databaseId, s.ok, s.problems.map((p) => p.kind)])).toEqual([
      [slow, false, ['recovery-slow']],
      [quick, true, []],
    ]);
    const messages = await fixture.drain();
    expect(messages.map((m) => m.subject)).toEqual([`pg-backup ${slow}: a recovery takes 20 min (RTO 15 min)`]);
    expect(messages[0]!.message).toContain('A restore would take longer than the RTO');
    expect(messages[0]!.message).not.toContain('Start a dump now');
    // The alarm's figure is published all the same.
    expect(await metric(fixture, slow, MetricName.RecoverySeconds, now)).toEqual([1234.5]);
  });

  test('GIVEN an RDS instance keeping 7 days, current THEN no alert, and its metrics say so', async () => {
    const { fixture, databaseId, instance } = await withRdsInstance(7);
    const now = new Date(Date.now() + MINUTE);
    await healthyBackups(fixture, databaseId, now);

    const result = await runFreshnessCheck(fixture.config, fixture.clients, now);

    expect(result.statuses[0]).toMatchObject({
      ok: true,
      pointInTimeRecovery: { rdsInstance: instance, found: true, retentionDays: 7, ok: true },
    });
    expect(await fixture.drain()).toEqual([]);
    expect(await metric(fixture, databaseId, MetricName.PointInTimeRecoveryOk, now)).toEqual([1]);
    const [lag] = (await metric(fixture, databaseId, MetricName.PointInTimeRecoveryLagSeconds, now)) ?? [];
    expect(lag).toBeGreaterThanOrEqual(50);
    expect(lag).toBeLessThan(120);
  });

  test.each<[string, number, number, string]>([
    ['automated backups off', 0, 1, 'point-in-time recovery is OFF (backup retention 0 days)'],
    ['kept 1 day where 7 are expected', 1, 1, 'point-in-time recovery keeps 1 d (at least 7 d expected)'],
    ['a latest restorable time an hour behind', 7, 60.5, 'point-in-time recovery lags 60 min (limit 15 min)'],
  ])('GIVEN %s THEN one alert naming it, and the PITR metric is 0', async (_name, retentionDays, minutesLater, summary) => {
    const { fixture, databaseId, instance } = await withRdsInstance(retentionDays);
    const now = new Date(Date.now() + minutesLater * MINUTE);
    await healthyBackups(fixture, databaseId, now);

    await runFreshnessCheck(fixture.config, fixture.clients, now);

    const messages = await fixture.drain();
    expect(messages.map((m) => m.subject)).toEqual([`pg-backup ${databaseId}: ${summary}`]);
    expect(messages[0]!.message).toContain(instance);
    expect(await metric(fixture, databaseId, MetricName.PointInTimeRecoveryOk, now)).toEqual([0]);
  });

  test('GIVEN the instance does not exist THEN the alert says so, and the dump tier still counts', async () => {
    const databaseId = uniqueName('gone-db');
    const fixture = await setUp([{ id: databaseId, rdsInstance: 'deleted-instance' }]);
    const now = new Date();
    await healthyBackups(fixture, databaseId, now);

    const result = await runFreshnessCheck(fixture.config, fixture.clients, now);

    expect(result.statuses[0]).toMatchObject({ ok: false, backup: expect.anything(), pointInTimeRecovery: { found: false, ok: false } });
    expect((await fixture.drain()).map((m) => m.subject)).toEqual([
      `pg-backup ${databaseId}: point-in-time recovery unknown: RDS instance deleted-instance not found`,
    ]);
  });
});
