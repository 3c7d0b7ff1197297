import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DATABASE_DIMENSION, METRIC_NAMESPACE, MetricName } from '../../src/contract/metrics.js';

/**
 * The freshness metrics of one database, as the Lambda publishes them (src/contract/metrics.ts).
 * The period is an hour: the check publishes every 15 minutes, so an empty hour means it stopped.
 */
export class DatabaseMetrics {
  constructor(readonly databaseId: string) {}

  metric(name: MetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: name,
      dimensionsMap: { [DATABASE_DIMENSION]: this.databaseId },
      period: Duration.hours(1),
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
    });
  }

  backupAge(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.BackupAgeSeconds, props);
  }
  backupBytes(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.BackupBytes, props);
  }
  dumpDuration(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.DumpDurationSeconds, props);
  }
  verificationAge(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.VerificationAgeSeconds, props);
  }
  /** Minimum over the period: one failed verification in the hour shows as 0. */
  lastVerificationPassed(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.LastVerificationPassed, { statistic: cloudwatch.Stats.MINIMUM, ...props });
  }
  restoreSeconds(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.RestoreSeconds, props);
  }
  sizeAnomaly(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.BackupSizeAnomaly, props);
  }
  replicaLag(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.ReplicaLagSeconds, props);
  }
  /** The whole recovery the newest passed verification measured. */
  recoverySeconds(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.RecoverySeconds, props);
  }
  /** Minimum over the period: one run that found point-in-time recovery off, short or lagging shows as 0. */
  pointInTimeRecoveryOk(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.PointInTimeRecoveryOk, { statistic: cloudwatch.Stats.MINIMUM, ...props });
  }
  pointInTimeRecoveryLag(props?: cloudwatch.MetricOptions) {
    return this.metric(MetricName.PointInTimeRecoveryLagSeconds, props);
  }
}
