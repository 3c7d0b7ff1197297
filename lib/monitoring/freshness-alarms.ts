import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { formatDuration } from '../../src/contract/freshness/duration.js';
import type { FreshnessLimits } from '../../src/contract/freshness/limits.js';
import type { PointInTimeRecoveryWatch } from '../../src/contract/freshness/point-in-time-recovery.js';
import type { RecoveryTargets } from '../../src/contract/recovery-targets.js';
import { alarmName } from '../alerts/alarm-names.js';
import { DatabaseMetrics } from './database-metrics.js';

export interface DatabaseAlarmsProps {
  /** Prefix of the alarm names (lib/alerts/alarm-names.ts). */
  readonly appName: string;
  readonly databaseId: string;
  readonly limits: FreshnessLimits;
  readonly alertTopic: sns.ITopic;
  /** The `pg-backup status` command for this database, quoted in every alarm description. */
  readonly statusCommand: string;
  /**
   * The RPO and RTO: the alarm also fires when the whole recovery the newest passed verification measured took
   * longer than the RTO.
   * @default - recovery time not watched
   */
  readonly targets?: RecoveryTargets;
  /**
   * The RDS instance whose point-in-time recovery the freshness check watches: the alarm also fires when it is
   * off, kept too short or lagging, or when the check published no verdict on it.
   * @default - point-in-time recovery not watched
   */
  readonly pointInTimeRecovery?: PointInTimeRecoveryWatch;
  /**
   * How far behind the copy in the replica may be (replication.maxLag): the alarm also fires above it.
   * @default - replica lag not watched
   */
  readonly maxReplicaLagSeconds?: number;
}

/** `<appName>-<database id>-backups`: the one alarm of a database, by a fixed name the dashboard lists. */
export function databaseAlarmName(appName: string, databaseId: string): string {
  return alarmName(appName, databaseId, 'backups');
}

/**
 * The alarm of one database: one alarm per database (two hundred databases, two hundred alarms), on a metric
 * math expression over the database's freshness metrics, so it fires when any of its conditions holds: the
 * newest backup is too old, the newest restore test is too old, the newest restore test failed, the newest
 * backup's size is an anomaly, the copy in the replica is behind, and, where watched, a recovery takes longer
 * than the RTO or the RDS instance's point-in-time recovery is off, short or lagging. It backs up the Lambda's
 * own alerts, which name the condition: if the
 * Lambda stops, the metrics stop, and missing data counts as breaching (an age without data is too old; no
 * data at all is a stopped check). It notifies the alert topic when it fires and when it recovers.
 */
export class DatabaseAlarms extends Construct {
  readonly backups: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const metrics = new DatabaseMetrics(props.databaseId);
    const db = props.databaseId;
    const { maxBackupAgeSeconds: backupLimit, maxVerificationAgeSeconds: verifyLimit } = props.limits;
    // A missing age counts as too old; a missing result, anomaly, lag or recovery time as nothing wrong (the ages
    // cover absence); a missing point-in-time recovery verdict as wrong (the check could not read the instance).
    const conditions = [
      `FILL(age, ${backupLimit + 1}) > ${backupLimit}`,
      `FILL(verificationAge, ${verifyLimit + 1}) > ${verifyLimit}`,
      'FILL(passed, 1) < 1',
      'FILL(anomaly, 0) >= 1',
    ];
    const usingMetrics: Record<string, cloudwatch.IMetric> = {
      age: metrics.backupAge(),
      verificationAge: metrics.verificationAge(),
      passed: metrics.lastVerificationPassed(),
      anomaly: metrics.sizeAnomaly(),
    };
    const said = [
      `backup older than ${formatDuration(backupLimit)}`,
      `restore test older than ${formatDuration(verifyLimit)} or FAILED`,
      `size ${Math.round(props.limits.sizeTolerance * 100)}% off`,
    ];
    if (props.maxReplicaLagSeconds !== undefined) {
      conditions.push(`FILL(replicaLag, 0) > ${props.maxReplicaLagSeconds}`);
      usingMetrics.replicaLag = metrics.replicaLag();
      said.push(`replica over ${formatDuration(props.maxReplicaLagSeconds)} behind`);
    }
    const watch = props.pointInTimeRecovery;
    if (watch) {
      conditions.push('FILL(pitrOk, 0) < 1');
      usingMetrics.pitrOk = metrics.pointInTimeRecoveryOk();
      said.push(
        `point-in-time recovery of RDS ${watch.rdsInstance} off, under ${watch.minRetentionDays} days or over ${formatDuration(watch.maxLagSeconds)} behind`,
      );
    }
    if (props.targets) {
      conditions.push(`FILL(recovery, 0) > ${props.targets.rtoSeconds}`);
      usingMetrics.recovery = metrics.recoverySeconds();
      said.push(`recovery slower than the RTO of ${formatDuration(props.targets.rtoSeconds)}`);
    }
    this.backups = new cloudwatch.Alarm(this, 'Backups', {
      alarmName: databaseAlarmName(props.appName, db),
      alarmDescription:
        `pg-backup ${db}: ${said.join(', ')}, or no data (the check stopped). ` +
        `The check's own alert says which. First: ${props.statusCommand}`,
      metric: new cloudwatch.MathExpression({
        expression: `IF(${conditions.join(' || ')}, 1, 0)`,
        usingMetrics,
        label: `${db}: 1 = something is wrong`,
        period: Duration.hours(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    notify(props.alertTopic, this.all());
  }

  all(): cloudwatch.Alarm[] {
    return [this.backups];
  }
}

export interface CheckAlarmsProps {
  /** Prefix of the alarm names (lib/alerts/alarm-names.ts). */
  readonly appName: string;
  readonly function: lambda.IFunction;
  readonly alertTopic: sns.ITopic;
  readonly checkEvery: Duration;
  readonly logGroupName: string;
}

/** Alarms on the freshness check itself: it fails, or it does not run at all. */
export class FreshnessCheckAlarms extends Construct {
  readonly errors: cloudwatch.Alarm;
  readonly notRunning: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CheckAlarmsProps) {
    super(scope, id);
    this.errors = new cloudwatch.Alarm(this, 'Errors', {
      alarmName: alarmName(props.appName, 'freshness-check-errors'),
      alarmDescription: `pg-backup freshness check failed: backups are not being watched. Read its log: aws logs tail ${props.logGroupName} --since 1h`,
      metric: props.function.metricErrors({ period: props.checkEvery, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.notRunning = new cloudwatch.Alarm(this, 'NotRunning', {
      alarmName: alarmName(props.appName, 'freshness-check-not-running'),
      alarmDescription: `pg-backup freshness check has not run for an hour: backups are not being watched. Check its EventBridge schedule and ${props.logGroupName}`,
      metric: props.function.metricInvocations({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    notify(props.alertTopic, [this.errors, this.notRunning]);
  }
}

function notify(topic: sns.ITopic, alarms: readonly cloudwatch.Alarm[]): void {
  const action = new actions.SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}
