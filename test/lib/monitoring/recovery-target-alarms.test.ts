import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import { resolveRecoveryTargets } from '../../../lib/config/recovery-targets.js';
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

/** The alarm's watched expression, and its inputs by id: metric name and statistic. */
function watched(db: string) {
  const metrics = alarm(`pg-backup-${db}-backups`).Metrics as {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Stat: string };
  }[];
  return {
    expression: metrics.find((m) => m.Expression)!.Expression!,
    inputs: Object.fromEntries(
      metrics.filter((m) => m.MetricStat).map((m) => [m.Id, `${m.MetricStat!.Metric.MetricName} ${m.MetricStat!.Stat}`]),
    ),
  };
}

describe('recovery targets in the monitoring stack (one alarm per database: the targets are conditions of it)', () => {
  test('the alarm fires when the recovery verify measured takes longer than the RTO (no measure yet is no breach)', () => {
    for (const [db, rto] of [
      ['orders-db', 4 * 3600],
      ['hourly-db', 1800],
    ] as const) {
      const { expression, inputs } = watched(db);
      expect(expression).toContain(`FILL(recovery, 0) > ${rto}`);
      expect(inputs.recovery).toBe('RecoverySeconds Maximum');
      expect(alarm(`pg-backup-${db}-backups`)).toMatchObject({ AlarmActions: [expect.anything()], OKActions: [expect.anything()] });
    }
    expect(alarm('pg-backup-hourly-db-backups').AlarmDescription).toContain('recovery slower than the RTO of 30 min');
  });

  test("the freshness limit follows the schedule: the hourly database's alarm fires after 75 minutes without a backup, the daily one's after 26 h", () => {
    expect(watched('hourly-db').expression).toContain('FILL(age, 4501) > 4500');
    expect(watched('orders-db').expression).toContain(`FILL(age, ${26 * 3600 + 1}) > ${26 * 3600}`);
  });

  test("an RDS database's point-in-time recovery is a condition of its alarm (no verdict counts as a breach); a database by host has none", () => {
    const orders = watched('orders-db');
    expect(orders.expression).toContain('FILL(pitrOk, 0) < 1');
    expect(orders.inputs.pitrOk).toBe('PointInTimeRecoveryOk Minimum');
    expect(alarm('pg-backup-orders-db-backups').AlarmDescription).toContain(
      'point-in-time recovery of RDS orders-prod off, under 7 days or over 15 min behind',
    );
    expect(watched('hourly-db').expression).not.toContain('pitrOk');
    // Two databases, two alarms, and the check's own two.
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(4);
  });

  test("no alarm description exceeds CloudWatch's 1,024 characters", () => {
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(String(a.Properties.AlarmDescription).length).toBeLessThanOrEqual(1024);
    }
  });

  test('the database list carries the same limits, the targets and the watched instance: one source of truth', () => {
    const databases = Object.values(template.findResources('AWS::SSM::Parameter')).flatMap(
      (p) =>
        JSON.parse(p.Properties.Value) as {
          id: string;
          limits: { maxBackupAgeSeconds: number };
          targets?: unknown;
          pointInTimeRecovery?: unknown;
        }[],
    );
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
    const documents = [
      ...Object.values(template.findResources('AWS::IAM::Policy')),
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
    ].flatMap((p) => p.Properties.PolicyDocument.Statement as { Sid?: string; Action: unknown; Resource: unknown }[]);
    const rds = documents.filter((s) => JSON.stringify(s.Action).includes('rds:'));
    expect(rds).toEqual([
      expect.objectContaining({
        Sid: 'DescribeWatchedRdsInstances',
        Action: 'rds:DescribeDBInstances',
        Resource: 'arn:aws:rds:eu-west-1:123456789012:db:orders-prod',
      }),
    ]);
  });
});

describe('many watched RDS instances', () => {
  test("are named one by one in managed policies of at most 50 instances, each under IAM's 6,144 characters", () => {
    // GIVEN 120 RDS databases with long instance names
    const databases = Array.from({ length: 120 }, (_, i) => {
      const id = `tenant-${String(i + 1).padStart(3, '0')}`;
      return {
        id,
        targets: resolveRecoveryTargets({
          id,
          connection: { rdsInstance: `${id}-${'x'.repeat(50)}`, database: 'app' },
          secretName: id,
        }),
      };
    });
    const many = Template.fromStack(monitoringApp({ databases, nag: false }).monitoring);
    const policies = Object.values(many.findResources('AWS::IAM::ManagedPolicy'));
    const resources = policies.map((p) => p.Properties.PolicyDocument.Statement[0].Resource as string[]);
    expect(resources.map((r) => r.length)).toEqual([50, 50, 20]);
    expect(resources.flat()).toHaveLength(new Set(resources.flat()).size);
    for (const policy of policies) {
      // The ARNs as IAM sees them: arn:aws:rds:eu-west-1:123456789012:db:<instance>
      expect(JSON.stringify(policy.Properties.PolicyDocument).replace(/\s/g, '').length).toBeLessThan(6144);
      expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/FreshnessRole/) }]);
    }
  });
});
