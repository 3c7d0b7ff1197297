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
   * The RPO and RTO: an alarm fires when the recovery verify measured takes longer than the RTO.
   * @default - no recovery-time alarm
   */
  readonly targets?: RecoveryTargets;
  /**
   * The RDS instance whose point-in-time recovery the freshness check watches: an alarm fires when it is off,
   * kept too short or lagging.
   * @default - no point-in-time recovery alarm
   */
  readonly pointInTimeRecovery?: PointInTimeRecoveryWatch;
}

/**
 * The alarms of one database. They back up the Lambda's own alerts: if the Lambda stops, the
 * metrics stop, and the alarms whose silence means trouble treat missing data as breaching.
 * Every alarm notifies the alert topic when it fires and when it recovers.
 */
export class DatabaseAlarms extends Construct {
  readonly backupAge: cloudwatch.Alarm;
  readonly verificationAge: cloudwatch.Alarm;
  readonly verificationFailed: cloudwatch.Alarm;
  readonly sizeAnomaly: cloudwatch.Alarm;
  readonly recoveryTime?: cloudwatch.Alarm;
  readonly pointInTimeRecovery?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const metrics = new DatabaseMetrics(props.databaseId);
    const db = props.databaseId;
    const firstStep = `First: ${props.statusCommand}`;

    this.backupAge = new cloudwatch.Alarm(this, 'BackupAge', {
      alarmName: alarmName(props.appName, db, 'backup-age'),
      alarmDescription: `pg-backup ${db}: the newest backup is older than ${formatDuration(props.limits.maxBackupAgeSeconds)}, or there is no data (no backup at all, or the freshness check stopped). ${firstStep}`,
      metric: metrics.backupAge(),
      threshold: props.limits.maxBackupAgeSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.verificationAge = new cloudwatch.Alarm(this, 'VerificationAge', {
      alarmName: alarmName(props.appName, db, 'verification-age'),
      alarmDescription: `pg-backup ${db}: no restore test within ${formatDuration(props.limits.maxVerificationAgeSeconds)}, or there is no data. Unverified backups may not restore. ${firstStep}`,
      metric: metrics.verificationAge(),
      threshold: props.limits.maxVerificationAgeSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // Absence of a verification is the age alarm's business; this one is about a recorded failure.
    this.verificationFailed = new cloudwatch.Alarm(this, 'VerificationFailed', {
      alarmName: alarmName(props.appName, db, 'verification-failed'),
      alarmDescription: `pg-backup ${db}: the newest restore test FAILED (checksum, tables or row counts differ). Do not rely on the newest backup. ${firstStep}`,
      metric: metrics.lastVerificationPassed(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.sizeAnomaly = new cloudwatch.Alarm(this, 'SizeAnomaly', {
      alarmName: alarmName(props.appName, db, 'size-anomaly'),
      alarmDescription: `pg-backup ${db}: the newest backup's size is more than ${Math.round(props.limits.sizeTolerance * 100)}% away from the median of the previous seven. Check for dropped tables or a bulk load. ${firstStep}`,
      metric: metrics.sizeAnomaly(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.targets) {
      // No data (no passed verification with measured times yet) is the verification alarms' business.
      this.recoveryTime = new cloudwatch.Alarm(this, 'RecoveryTime', {
        alarmName: alarmName(props.appName, db, 'recovery-time'),
        alarmDescription: `pg-backup ${db}: a recovery from the newest verified backup takes longer than the RTO of ${formatDuration(props.targets.rtoSeconds)} (measured by verify: download, checksum, restore, ANALYZE, row counts). Restore in parallel (a larger verify task, --jobs), or raise the RTO. ${firstStep}`,
        metric: metrics.recoverySeconds(),
        threshold: props.targets.rtoSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (props.pointInTimeRecovery) {
      const watch = props.pointInTimeRecovery;
      this.pointInTimeRecovery = new cloudwatch.Alarm(this, 'PointInTimeRecovery', {
        alarmName: alarmName(props.appName, db, 'point-in-time-recovery'),
        alarmDescription: `pg-backup ${db}: RDS instance ${watch.rdsInstance} cannot be restored to a recent point in time: automated backups off, kept under ${watch.minRetentionDays} days, or the latest restorable time more than ${formatDuration(watch.maxLagSeconds)} behind; or there is no data. Check: aws rds describe-db-instances --db-instance-identifier ${watch.rdsInstance} --query 'DBInstances[0].[BackupRetentionPeriod,LatestRestorableTime]'`,
        metric: metrics.pointInTimeRecoveryOk(),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    notify(props.alertTopic, this.all());
  }

  all(): cloudwatch.Alarm[] {
    return [
      this.backupAge,
      this.verificationAge,
      this.verificationFailed,
      this.sizeAnomaly,
      this.recoveryTime,
      this.pointInTimeRecovery,
    ].filter((alarm): alarm is cloudwatch.Alarm => alarm !== undefined);
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
