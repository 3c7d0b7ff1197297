import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { formatDuration } from '../../src/contract/freshness/duration.js';
import { alarmName } from '../alerts/alarm-names.js';

export interface ReplicationAlarmsProps {
  /** Prefix of the alarm names (lib/alerts/alarm-names.ts). */
  readonly appName: string;
  readonly sourceBucketName: string;
  readonly destinationBucketName: string;
  /** The replication rule whose metrics these are (lib/storage/replication.ts REPLICATION_RULE_ID). */
  readonly ruleId: string;
  /** Alarm when the newest copy is older than this (replication.maxLag). */
  readonly maxLag: Duration;
  readonly alertTopic: sns.ITopic;
}

/**
 * Alarms on S3's replication metrics (namespace AWS/S3, published in the source region once the rule has
 * metrics enabled): any operation that failed to replicate, and a latency above the configured lag. They
 * see objects in flight; the freshness check sees the result (each backup's dump present in the replica at
 * its size). Both treat missing data as fine: S3 publishes these metrics only while there is something to
 * replicate, and a copy that never arrives is the freshness check's alert.
 */
export class ReplicationAlarms extends Construct {
  readonly failedOperations: cloudwatch.Alarm;
  readonly latency: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReplicationAlarmsProps) {
    super(scope, id);
    const dimensionsMap = {
      SourceBucket: props.sourceBucketName,
      DestinationBucket: props.destinationBucketName,
      RuleId: props.ruleId,
    };
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/S3', metricName, dimensionsMap, statistic, period: Duration.minutes(5) });
    const where = `${props.sourceBucketName} -> ${props.destinationBucketName}`;
    const firstStep =
      'First: the replication role and the replica key and bucket policies (a changed key or policy stops copies), and the ' +
      `S3 console's Replication metrics of ${props.sourceBucketName}; docs/operations.md "When the copy falls behind".`;

    this.failedOperations = new cloudwatch.Alarm(this, 'FailedOperations', {
      alarmName: alarmName(props.appName, 'replication-failed'),
      alarmDescription: `pg-backup replication ${where}: objects FAILED to replicate in the last 5 minutes; the second copy is incomplete. ${firstStep}`,
      metric: metric('OperationsFailedReplication', cloudwatch.Stats.SUM),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latency = new cloudwatch.Alarm(this, 'Latency', {
      alarmName: alarmName(props.appName, 'replication-latency'),
      alarmDescription: `pg-backup replication ${where}: the oldest object waiting to be copied has waited more than ${formatDuration(props.maxLag.toSeconds())} (replication.maxLag). ${firstStep}`,
      metric: metric('ReplicationLatency', cloudwatch.Stats.MAXIMUM),
      threshold: props.maxLag.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Three periods: one slow multi-gigabyte part is not yet a stopped copy.
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new actions.SnsAction(props.alertTopic);
    for (const alarm of [this.failedOperations, this.latency]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
