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
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];
