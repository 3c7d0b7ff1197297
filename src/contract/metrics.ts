/**
 * CloudWatch metric names the freshness Lambda publishes and the CDK alarms and dashboard read.
 * Dimension: DatabaseId.
 */
export const METRIC_NAMESPACE = 'PgBackup';
export const DATABASE_DIMENSION = 'DatabaseId';

export const MetricName = {
  BackupAgeSeconds: 'BackupAgeSeconds',
  BackupBytes: 'BackupBytes',
  DumpDurationSeconds: 'DumpDurationSeconds',
  VerificationAgeSeconds: 'VerificationAgeSeconds',
  LastVerificationPassed: 'LastVerificationPassed',
  RestoreSeconds: 'RestoreSeconds',
  /** 1 when the size is outside the tolerance around the median of the previous backups. */
  BackupSizeAnomaly: 'BackupSizeAnomaly',
  /** How long the oldest backup without a complete copy in the replica has waited (0 when the newest is copied). */
  ReplicaLagSeconds: 'ReplicaLagSeconds',
  /** The whole recovery the newest passed verification measured (download, checksum, restore, ANALYZE, counts): the RTO's measure. */
  RecoverySeconds: 'RecoverySeconds',
  /** 1 when the RDS instance's point-in-time recovery is on, kept long enough and current; 0 otherwise. */
  PointInTimeRecoveryOk: 'PointInTimeRecoveryOk',
  /** Seconds between the RDS instance's LatestRestorableTime and now. */
  PointInTimeRecoveryLagSeconds: 'PointInTimeRecoveryLagSeconds',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];
