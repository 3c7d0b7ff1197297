import type { RecoveryTargets } from '../recovery-targets.js';
import type { FreshnessLimits } from './limits.js';
import type { PointInTimeRecoveryWatch } from './point-in-time-recovery.js';

/**
 * What the freshness Lambda is told by its stack, through environment variables: the CDK side
 * (lib/monitoring/freshness-function.ts) writes them and lambda/freshness/config.ts reads them, both from this module.
 */
export interface FreshnessDatabase {
  readonly id: string;
  readonly limits: FreshnessLimits;
  /** The exact command an operator runs to start a dump now (e.g. `aws ecs run-task ...`). */
  readonly dumpNowCommand: string;
  /** Where the dump and verify tasks of this database log. */
  readonly logGroupName?: string;
  /** The RPO and RTO the stage sets; `limits.maxBackupAgeSeconds` follows from the RPO and the dump schedule. */
  readonly targets?: RecoveryTargets;
  /** The RDS instance whose automated backups (point-in-time recovery) the check reads; absent for other databases. */
  readonly pointInTimeRecovery?: PointInTimeRecoveryWatch;
}

/** The second copy the check compares with the primary bucket (lib/config/replication-config.ts). */
export interface ReplicaWatchConfig {
  readonly bucket: string;
  readonly region: string;
  /** A backup may exist this long in the primary without its copy. */
  readonly maxLagSeconds: number;
}

export interface FreshnessConfig {
  readonly bucket: string;
  /** @default - the replica is not compared (an app that has none) */
  readonly replica?: ReplicaWatchConfig;
  readonly topicArn: string;
  /** DynamoDB table of the alert state per database (what was last said, and when). */
  readonly stateTable: string;
  readonly region: string;
  /** Repeat an unresolved alert after this many seconds. */
  readonly reminderEverySeconds: number;
  /** The Lambda's own log group, named in every alert. */
  readonly functionLogGroupName: string;
  readonly databases: readonly FreshnessDatabase[];
}

/** Environment variable names; the CDK construct sets exactly these. */
export const FRESHNESS_FUNCTION_ENV = {
  bucket: 'BACKUP_BUCKET',
  topicArn: 'ALERT_TOPIC_ARN',
  stateTable: 'ALERT_STATE_TABLE',
  reminderEverySeconds: 'REMINDER_EVERY_SECONDS',
  functionLogGroupName: 'FUNCTION_LOG_GROUP',
  databases: 'DATABASES',
  replicaBucket: 'REPLICA_BUCKET',
  replicaRegion: 'REPLICA_REGION',
  maxReplicaLagSeconds: 'MAX_REPLICA_LAG_SECONDS',
} as const;
