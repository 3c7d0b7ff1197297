import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FreshnessLimits } from '../../src/contract/freshness/limits.js';
import { DATABASE_DIMENSION, METRIC_NAMESPACE, MetricName } from '../../src/contract/metrics.js';
import { DatabaseMetrics } from './database-metrics.js';
import type { FreshnessCheckAlarms } from './freshness-alarms.js';

export interface FreshnessDashboardProps {
  /** The name of every database's alarm (in this stack or a MonitoringShardStack), in order. */
  readonly databaseAlarmNames: readonly string[];
  /** The databases, in order: the first is the database the per-database section opens with. */
  readonly databaseIds: readonly string[];
  /** The limits most databases have, drawn on the per-database graphs. */
  readonly limits: FreshnessLimits;
  readonly checkAlarms: FreshnessCheckAlarms;
  readonly function: lambda.IFunction;
}

/** CloudWatch's limit of alarms in one alarm status widget. */
export const ALARMS_PER_STATUS_WIDGET = 100;

/**
 * One dashboard whose size does not grow with the databases beyond their alarm list: the state of every
 * alarm on top (status widgets of at most 100 alarms, CloudWatch's limit), then every database at once
 * through metric search expressions (one line per database, whatever their number), then one database in
 * detail, chosen in the dashboard's `database` drop-down (a property variable over the DatabaseId dimension).
 */
export class FreshnessDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FreshnessDashboardProps) {
    super(scope, id);
    const first = props.databaseIds[0] ?? 'none';
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
      variables: [
        new cloudwatch.DashboardVariable({
          id: 'database',
          label: 'Database',
          type: cloudwatch.VariableType.PROPERTY,
          value: DATABASE_DIMENSION,
          inputType: cloudwatch.VariableInputType.SELECT,
          values: cloudwatch.Values.fromSearchComponents({
            namespace: METRIC_NAMESPACE,
            dimensions: [DATABASE_DIMENSION],
            metricName: MetricName.BackupAgeSeconds,
            populateFrom: DATABASE_DIMENSION,
          }),
          defaultValue: cloudwatch.DefaultValue.value(first),
          visible: true,
        }),
      ],
    });

    const checkAlarms = [props.checkAlarms.errors, props.checkAlarms.notRunning];
    const databaseAlarms = props.databaseAlarmNames.map((name, i) => cloudwatch.Alarm.fromAlarmName(this, `DatabaseAlarm${i}`, name));
    const alarms = [...checkAlarms, ...databaseAlarms];
    for (let i = 0; i < alarms.length; i += ALARMS_PER_STATUS_WIDGET) {
      const part = alarms.slice(i, i + ALARMS_PER_STATUS_WIDGET);
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title:
            alarms.length > ALARMS_PER_STATUS_WIDGET
              ? `pg-backup alarms (${i + 1}-${i + part.length} of ${alarms.length})`
              : 'pg-backup alarms',
          width: 24,
          height: Math.min(2 + Math.ceil(part.length / 6), 12),
          alarms: part,
          sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        }),
      );
    }

    const every = (metricName: MetricName, statistic: string, label: string, divideBy?: number) => {
      const search = new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},${DATABASE_DIMENSION}} MetricName="${metricName}"', '${statistic}', 3600)`,
        usingMetrics: {},
        label,
        period: Duration.hours(1),
      });
      return divideBy === undefined
        ? search
        : new cloudwatch.MathExpression({ expression: `s / ${divideBy}`, usingMetrics: { s: search }, label, period: Duration.hours(1) });
    };
    // One line per database, no legend: with hundreds of lines a legend would hide the graph.
    const everyDatabase = (
      title: string,
      left: cloudwatch.IMetric[],
      leftYAxis: cloudwatch.YAxisProps,
      limit?: number,
    ): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({
        title,
        width: 8,
        left,
        ...(limit !== undefined ? { leftAnnotations: [{ value: limit, label: 'limit', color: cloudwatch.Color.RED }] } : {}),
        leftYAxis,
        legendPosition: cloudwatch.LegendPosition.HIDDEN,
      });
    const inHours = { min: 0, label: 'hours', showUnits: false };
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Every database (one line each)', width: 24, height: 1 }),
      everyDatabase(
        'Newest backup age (hours)',
        [every(MetricName.BackupAgeSeconds, 'Maximum', 'backup age', 3600)],
        inHours,
        props.limits.maxBackupAgeSeconds / 3600,
      ),
      everyDatabase(
        'Hours since the last restore test',
        [every(MetricName.VerificationAgeSeconds, 'Maximum', 'verification age', 3600)],
        inHours,
        props.limits.maxVerificationAgeSeconds / 3600,
      ),
      everyDatabase(
        'Last restore test passed (1) or failed (0); size anomaly (1)',
        [every(MetricName.LastVerificationPassed, 'Minimum', 'passed'), every(MetricName.BackupSizeAnomaly, 'Maximum', 'anomaly')],
        { min: 0, max: 1 },
      ),
      new cloudwatch.GraphWidget({
        title: 'Freshness check runs and errors',
        width: 8,
        left: [props.function.metricInvocations({ period: Duration.hours(1) }), props.function.metricErrors({ period: Duration.hours(1) })],
      }),
      everyDatabase('Dump duration (seconds)', [every(MetricName.DumpDurationSeconds, 'Maximum', 'dump')], { min: 0 }),
      everyDatabase('Backup size (stored bytes)', [every(MetricName.BackupBytes, 'Maximum', 'stored bytes')], { min: 0 }),
      everyDatabase('Whole recovery measured by verify (seconds)', [every(MetricName.RecoverySeconds, 'Maximum', 'whole recovery')], {
        min: 0,
      }),
      everyDatabase(
        'Copy in the replica behind (hours)',
        [every(MetricName.ReplicaLagSeconds, 'Maximum', 'replica behind', 3600)],
        inHours,
      ),
      everyDatabase(
        'RDS point-in-time recovery ok (1) or not (0)',
        [every(MetricName.PointInTimeRecoveryOk, 'Minimum', 'point-in-time recovery')],
        { min: 0, max: 1 },
      ),
    );

    // One database in detail: the drop-down replaces the DatabaseId of every metric below.
    const metrics = new DatabaseMetrics(first);
    // `id` names the metric inside the expression: unique per widget.
    const hours = (metric: cloudwatch.IMetric, label: string, id = 'm') =>
      new cloudwatch.MathExpression({ expression: `${id} / 3600`, usingMetrics: { [id]: metric }, label, period: Duration.hours(1) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## One database (choose it in the Database drop-down above)', width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'Newest backup age (hours)',
        width: 6,
        left: [hours(metrics.backupAge(), 'backup age')],
        leftAnnotations: [{ value: props.limits.maxBackupAgeSeconds / 3600, label: 'limit', color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, label: 'hours', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Backup size (stored bytes)',
        width: 6,
        left: [metrics.backupBytes({ label: 'stored bytes' })],
        leftYAxis: { min: 0 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Dump, restore and whole recovery (seconds)',
        width: 6,
        left: [
          metrics.dumpDuration({ label: 'dump' }),
          metrics.restoreSeconds({ label: 'restore (verification)' }),
          metrics.recoverySeconds({ label: 'whole recovery (verification)' }),
        ],
        leftYAxis: { min: 0 },
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Verification and replica',
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
