import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import { resolveRecoveryTargets } from '../../../lib/config/recovery-targets.js';
import { FRESHNESS_FUNCTION_ENV } from '../../../src/contract/freshness/function-environment.js';
import { monitoringApp } from './monitoring-app.js';

// GIVEN the example's RDS database (defaults: RPO 26 h, RTO 4 h, PITR 7 days) and an hourly database by host with an RTO of 30 min
const HOURLY = {
  id: 'hourly-db',
  connection: { host: 'db.internal', database: 'hourly' },
  secretName: 'hourly',
  dumpSchedule: { cron: '0 * * * ? *' },
  rpo: { hours: 2 },
  rto: { minutes: 30 },
};
let template: Template;
beforeAll(() => {
  const app = monitoringApp({
    databases: [
      { id: 'orders-db', targets: resolveRecoveryTargets(example.databases[0]!) },
      { id: 'hourly-db', targets: resolveRecoveryTargets(HOURLY) },
    ],
  });
  template = Template.fromStack(app.monitoring);
});

function alarm(name: string) {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === name);
  if (!found) throw new Error(`no alarm ${name}`);
  return found.Properties as Record<string, unknown>;
}

describe('recovery targets in the monitoring stack', () => {
  test('an alarm per database fires when the recovery verify measured takes longer than the RTO, and says so when it recovers', () => {
    for (const [db, rto] of [
      ['orders-db', 4 * 3600],
      ['hourly-db', 1800],
    ] as const) {
      expect(alarm(`pg-backup-${db}-recovery-time`)).toMatchObject({
        Namespace: 'PgBackup',
        MetricName: 'RecoverySeconds',
        Dimensions: [{ Name: 'DatabaseId', Value: db }],
        Statistic: 'Maximum',
        Threshold: rto,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [expect.anything()],
        OKActions: [expect.anything()],
      });
    }
  });

  test("the freshness limit follows the schedule: the hourly database's backup-age alarm fires after 75 minutes, the daily one's after 26 h", () => {
    expect(alarm('pg-backup-hourly-db-backup-age')).toMatchObject({ MetricName: 'BackupAgeSeconds', Threshold: 4500 });
    expect(alarm('pg-backup-orders-db-backup-age')).toMatchObject({ Threshold: 26 * 3600 });
  });

  test("an RDS database's point-in-time recovery has its alarm; a database by host has none", () => {
    expect(alarm('pg-backup-orders-db-point-in-time-recovery')).toMatchObject({
      MetricName: 'PointInTimeRecoveryOk',
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [expect.anything()],
      OKActions: [expect.anything()],
    });
    expect(() => alarm('pg-backup-hourly-db-point-in-time-recovery')).toThrow('no alarm');
  });

  test("the function's environment carries the same limits, the targets and the watched instance: one source of truth", () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.BACKUP_BUCKET,
    )!;
    // The value is a Fn::Join (the bucket name in the commands is a token): its strings, tokens as TOKEN, are the JSON.
    const joined = fn.Properties.Environment.Variables[FRESHNESS_FUNCTION_ENV.databases]['Fn::Join'][1] as unknown[];
    const databases = JSON.parse(joined.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')) as {
      id: string;
      limits: { maxBackupAgeSeconds: number };
      targets?: unknown;
      pointInTimeRecovery?: unknown;
    }[];
    expect(
      databases.map(({ id, limits, targets, pointInTimeRecovery }) => ({
        id,
        maxAge: limits.maxBackupAgeSeconds,
        targets,
        pointInTimeRecovery,
      })),
    ).toEqual([
      {
        id: 'orders-db',
        maxAge: 26 * 3600,
        targets: { rpoSeconds: 26 * 3600, rtoSeconds: 4 * 3600 },
        pointInTimeRecovery: { rdsInstance: 'orders-prod', minRetentionDays: 7, maxLagSeconds: 900 },
      },
      { id: 'hourly-db', maxAge: 4500, targets: { rpoSeconds: 7200, rtoSeconds: 1800 }, pointInTimeRecovery: undefined },
    ]);
  });

  test('the function may describe the watched RDS instance, by its ARN, and nothing else of RDS', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Sid?: string; Action: unknown; Resource: unknown }[],
    );
    const rds = statements.filter((s) => JSON.stringify(s.Action).includes('rds:'));
    expect(rds).toEqual([
      expect.objectContaining({
        Sid: 'DescribeWatchedRdsInstances',
        Action: 'rds:DescribeDBInstances',
        Resource: 'arn:aws:rds:eu-west-1:123456789012:db:orders-prod',
      }),
    ]);
  });
});
