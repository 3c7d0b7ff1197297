import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FreshnessLimits } from '../../src/contract/freshness/limits.js';
import { DatabaseMetrics } from './database-metrics.js';
import type { DatabaseAlarms, FreshnessCheckAlarms } from './freshness-alarms.js';

export interface FreshnessDashboardProps {
  readonly databases: readonly { readonly id: string; readonly limits: FreshnessLimits; readonly alarms: DatabaseAlarms }[];
  readonly checkAlarms: FreshnessCheckAlarms;
  readonly function: lambda.IFunction;
}

/**
 * One dashboard: the state of every alarm on top, then a row per database with backup age,
 * size over time, dump duration, restore seconds and verification status.
 */
export class FreshnessDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FreshnessDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'pg-backup alarms',
        width: 16,
        height: 4,
        alarms: [...props.databases.flatMap((d) => d.alarms.all()), props.checkAlarms.errors, props.checkAlarms.notRunning],
      }),
      new cloudwatch.GraphWidget({
        title: 'Freshness check runs and errors',
        width: 8,
        height: 4,
        left: [props.function.metricInvocations({ period: Duration.hours(1) }), props.function.metricErrors({ period: Duration.hours(1) })],
      }),
    );
    for (const database of props.databases) {
      const metrics = new DatabaseMetrics(database.id);
      // `id` names the metric inside the expression: unique per widget.
      const hours = (metric: cloudwatch.IMetric, label: string, id = 'm') =>
        new cloudwatch.MathExpression({ expression: `${id} / 3600`, usingMetrics: { [id]: metric }, label, period: Duration.hours(1) });
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${database.id}`, width: 24, height: 1 }),
        new cloudwatch.GraphWidget({
          title: `${database.id}: newest backup age (hours)`,
          width: 6,
          left: [hours(metrics.backupAge(), 'backup age')],
          leftAnnotations: [{ value: database.limits.maxBackupAgeSeconds / 3600, label: 'limit', color: cloudwatch.Color.RED }],
          leftYAxis: { min: 0, label: 'hours', showUnits: false },
        }),
        new cloudwatch.GraphWidget({
          title: `${database.id}: backup size (stored bytes)`,
          width: 6,
          left: [metrics.backupBytes({ label: 'stored bytes' })],
          leftYAxis: { min: 0 },
        }),
        new cloudwatch.GraphWidget({
          title: `${database.id}: dump and restore duration (seconds)`,
          width: 6,
          left: [
            metrics.dumpDuration({ label: 'dump' }),
            metrics.restoreSeconds({ label: 'restore (verification)' }),
            metrics.recoverySeconds({ label: 'whole recovery (verification)' }),
          ],
          leftYAxis: { min: 0 },
        }),
        new cloudwatch.SingleValueWidget({
          title: `${database.id}: verification`,
          width: 6,
          metrics: [
            metrics.lastVerificationPassed({ label: 'last passed (1 = yes)' }),
            hours(metrics.verificationAge(), 'hours since verified'),
            hours(metrics.replicaLag(), 'hours the replica is behind', 'lag'),
          ],
        }),
      );
    }
  }
}
