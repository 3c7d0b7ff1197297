import { type MetricDatum, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { DatabaseStatus } from '../../src/contract/freshness/evaluate.js';
import { DATABASE_DIMENSION, MetricName } from '../../src/contract/metrics.js';

/**
 * The CloudWatch data points of one database. A database without a backup publishes no backup
 * metrics at all: the alarms treat that silence as breaching.
 */
export function metricData(status: DatabaseStatus, timestamp: Date): MetricDatum[] {
  const dimensions = [{ Name: DATABASE_DIMENSION, Value: status.databaseId }];
  const datum = (name: string, value: number, unit: StandardUnit): MetricDatum => ({
    MetricName: name,
    Dimensions: dimensions,
    Timestamp: timestamp,
    Value: value,
    Unit: unit,
  });
  const data: MetricDatum[] = [];
  if (status.backup) {
    data.push(
      datum(MetricName.BackupAgeSeconds, Math.round(status.backup.ageSeconds), StandardUnit.Seconds),
      datum(MetricName.BackupBytes, status.backup.storedBytes, StandardUnit.Bytes),
      datum(MetricName.DumpDurationSeconds, status.backup.durationSeconds, StandardUnit.Seconds),
      datum(MetricName.BackupSizeAnomaly, status.problems.some((p) => p.kind === 'size-anomaly') ? 1 : 0, StandardUnit.Count),
    );
  }
  if (status.replica) {
    data.push(datum(MetricName.ReplicaLagSeconds, Math.round(status.replica.lagSeconds), StandardUnit.Seconds));
  }
  if (status.unverifiedSeconds !== undefined) {
    data.push(datum(MetricName.VerificationAgeSeconds, Math.round(status.unverifiedSeconds), StandardUnit.Seconds));
  }
  if (status.verification) {
    data.push(datum(MetricName.LastVerificationPassed, status.verification.passed ? 1 : 0, StandardUnit.Count));
    if (status.verification.restoreSeconds !== undefined) {
      data.push(datum(MetricName.RestoreSeconds, status.verification.restoreSeconds, StandardUnit.Seconds));
    }
    // A failed verification says nothing about how long a recovery takes: only a passed one is the RTO's measure.
    if (status.verification.passed && status.verification.recoverySeconds !== undefined) {
      data.push(datum(MetricName.RecoverySeconds, status.verification.recoverySeconds, StandardUnit.Seconds));
    }
  }
  const pitr = status.pointInTimeRecovery;
  if (pitr) {
    data.push(datum(MetricName.PointInTimeRecoveryOk, pitr.ok ? 1 : 0, StandardUnit.Count));
    if (pitr.lagSeconds !== undefined) {
      data.push(datum(MetricName.PointInTimeRecoveryLagSeconds, Math.round(pitr.lagSeconds), StandardUnit.Seconds));
    }
  }
  return data;
}
