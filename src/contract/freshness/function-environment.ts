import type { RecoveryTargets } from '../recovery-targets.js';
import type { FreshnessLimits } from './limits.js';
import type { PointInTimeRecoveryWatch } from './point-in-time-recovery.js';

/**
 * What the freshness Lambda is told by its stack: environment variables, and the list of databases in SSM
 * parameters (a Lambda's environment holds 4 KB in all, about six databases). The CDK side
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
  /** The SSM path under which the parameters `<path>/01-001`, `<path>/01-002`... each hold a JSON array of FreshnessDatabase. */
  databasesParameterPath: 'DATABASES_PARAMETER_PATH',
  replicaBucket: 'REPLICA_BUCKET',
  replicaRegion: 'REPLICA_REGION',
  maxReplicaLagSeconds: 'MAX_REPLICA_LAG_SECONDS',
} as const;

/** `/<appName>/freshness/databases`: the parameters of the database list. */
export function databasesParameterPath(appName: string): string {
  return `/${appName}/freshness/databases`;
}

/** A standard SSM parameter holds 4,096 characters; each part of the list stays under this. */
export const DATABASES_PARAMETER_CHARS = 4000;

/**
 * The database list cut into JSON arrays of at most DATABASES_PARAMETER_CHARS characters, in order (the
 * parameters `001`, `002`... hold them). Values with CloudFormation tokens would be measured wrong: callers
 * pass literal strings.
 */
export function databaseParameterValues(databases: readonly FreshnessDatabase[]): string[] {
  const parts: string[] = [];
  let part: string[] = [];
  const size = (items: string[]) => items.join(',').length + 2;
  for (const database of databases) {
    const item = JSON.stringify(database);
    if (item.length + 2 > DATABASES_PARAMETER_CHARS) {
      throw new Error(
        `database ${database.id}'s entry is ${item.length} characters: more than an SSM parameter of the list holds (${DATABASES_PARAMETER_CHARS})`,
      );
    }
    if (part.length > 0 && size([...part, item]) > DATABASES_PARAMETER_CHARS) {
      parts.push(`[${part.join(',')}]`);
      part = [];
    }
    part.push(item);
  }
  if (part.length > 0 || parts.length === 0) parts.push(`[${part.join(',')}]`);
  return parts;
}

/**
 * The name of the n-th (1-based) parameter of a monitoring stack's part of the list: `<path>/<stack>-<n>`,
 * zero-padded so the names sort in the order of the databases.
 */
export function databaseParameterName(path: string, stack: number, n: number): string {
  return `${path}/${String(stack).padStart(2, '0')}-${String(n).padStart(3, '0')}`;
}
