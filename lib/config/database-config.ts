import {
  type DatabaseConnection,
  DEFAULT_POSTGRES_PORT,
  type HostConnection,
  type RdsConnection,
  type SslMode,
  validateConnection,
  validateSecretReference,
  validateSslMode,
} from './database-connection.js';
import { type TaskSizeConfig, type VerifyTaskSizeConfig, validateTaskSize } from './fargate-task-size.js';
import { checkSubnetIds, ID_RULES } from './id-rules.js';
import type { PointInTimeRecoveryConfig } from './point-in-time-recovery-config.js';
import type { ConfigProblems } from './problems.js';
import { type ScheduleConfig, validateSchedule } from './schedule-config.js';
import type { TargetDuration } from './target-duration.js';
import { checkText, withDefaults } from './toolkit.js';

/** Where a database's tasks run when not in the app network (`network` of the AppConfig). */
export interface DatabasePlacement {
  /** The VPC of `subnetIds`, like `vpc-0abc...`. */
  readonly vpcId: string;
  /** Private subnets with a route to the AWS APIs the tasks call (NAT or VPC endpoints). */
  readonly subnetIds: readonly string[];
}

/** One database to back up: where it is, as whom, from where, when, and with how much. */
export interface DatabaseConfig {
  /** Used in S3 keys, IAM ARNs and metric dimensions: see DATABASE_ID_PATTERN in src/contract/layout.ts. */
  readonly id: string;
  /**
   * Where the database is (lib/config/database-connection.ts). Without it the app creates no tasks for
   * this database: it is backed up by something else (e.g. `pg-backup dump` run on-premises) and only monitored.
   * @default - no dump or verify tasks
   */
  readonly connection?: DatabaseConnection;
  /**
   * Full ARN of the Secrets Manager secret with `username` and `password` (JSON, as RDS writes it).
   * The dump task reads it at runtime; only the ARN is in the task definition. Give this or `secretName`.
   */
  readonly secretArn?: string;
  /** Name of the secret, when its full ARN (with the random suffix) is not at hand. */
  readonly secretName?: string;
  /**
   * The customer managed KMS key of the secret, when it is not encrypted with `aws/secretsmanager`.
   * @default - the AWS managed key (no grant needed)
   */
  readonly secretKeyArn?: string;
  /**
   * Where the tasks run.
   * @default - the app network (`network` of the AppConfig)
   */
  readonly placement?: DatabasePlacement;
  /**
   * The database's security group, like `sg-0abc...`: the stack adds an ingress rule on it (the
   * database port, from the dump task's security group only). It must be in the tasks' VPC.
   * @default - no rule; allow the dump tasks yourself
   */
  readonly databaseSecurityGroupId?: string;
  /** @default - daily at 02:00 UTC (`0 2 * * ? *`) */
  readonly dumpSchedule?: ScheduleConfig;
  /** @default - daily at 06:00 in the dump schedule's time zone, after the dump */
  readonly verifySchedule?: ScheduleConfig;
  /** @default - 2 vCPU, 4 GiB (pg_dump, zstd and the upload stream; no local copy) */
  readonly dumpTask?: TaskSizeConfig;
  /** @default - 4 vCPU, 16 GiB, 200 GiB ephemeral storage (restores a 50 GB database) */
  readonly verifyTask?: VerifyTaskSizeConfig;
  /**
   * SQL run on the restored database by verify; each must succeed and return a true / non-zero first value.
   * @default - none (row counts are still compared with the manifest)
   */
  readonly smokeQueries?: readonly string[];
  /**
   * libpq `sslmode` of the dump's connections (the CLI's and pg_dump's). `verify-full` checks the server's
   * certificate against the CA bundle the image carries (PGSSLROOTCERT: RDS's global bundle) and that it
   * names the host. A server whose certificate RDS did not issue needs its CA in the image (build argument
   * `RDS_CA_BUNDLE_URL`), or `require` (encrypted, not verified: a man in the middle goes unnoticed).
   * @default verify-full
   */
  readonly sslMode?: SslMode;
  /**
   * Recovery point objective: how much data a recovery may lose. The dump schedule's longest gap between two
   * runs, plus a margin for the dump to finish (1/12 of the gap, 15 min to 2 h), must fit in it; the freshness
   * check alerts when the newest backup is older than that gap plus margin (lib/config/recovery-targets.ts).
   * @default - the dump schedule's longest gap plus the margin (daily: 26 h); 26 h for a database without tasks
   */
  readonly rpo?: TargetDuration;
  /**
   * Recovery time objective: how long a recovery may take. Verify measures a whole recovery (download, checksum,
   * restore, ANALYZE, row counts) and an alarm fires when it takes longer.
   * @default { hours: 4 }
   */
  readonly rto?: TargetDuration;
  /**
   * For a database found through RDS (connection.rdsInstance): what the freshness check expects of the instance's
   * automated backups (point-in-time recovery): on, kept at least `minRetentionDays`, current within `maxLag`.
   * `false` leaves them unchecked.
   * @default - for an RDS instance { minRetentionDays: 7, maxLag: { minutes: 15 } }; nothing otherwise
   */
  readonly pitr?: PointInTimeRecoveryConfig | false;
}

export const DATABASE_DEFAULTS = {
  dumpSchedule: { cron: '0 2 * * ? *', timeZone: 'UTC' },
  verifyCron: '0 6 * * ? *',
  dumpTask: { vcpu: 2, memoryGiB: 4 },
  verifyTask: { vcpu: 4, memoryGiB: 16, ephemeralStorageGiB: 200 },
  port: DEFAULT_POSTGRES_PORT,
  // Verified TLS by default: the image carries the RDS CA bundle (PGSSLROOTCERT), so the server's certificate and name are checked.
  sslMode: 'verify-full',
} as const satisfies {
  dumpSchedule: Required<ScheduleConfig>;
  verifyCron: string;
  dumpTask: TaskSizeConfig;
  verifyTask: Required<VerifyTaskSizeConfig>;
  port: number;
  sslMode: SslMode;
};

/** A DatabaseConfig with every default applied; only for databases that have a connection. */
export interface ResolvedDatabaseJobConfig {
  readonly id: string;
  readonly connection:
    | { readonly rdsInstance: string; readonly database?: string; readonly port: number }
    | { readonly host: string; readonly database: string; readonly port: number };
  readonly secret: { readonly arn: string } | { readonly name: string };
  readonly secretKeyArn?: string;
  readonly placement?: DatabasePlacement;
  readonly databaseSecurityGroupId?: string;
  readonly dumpSchedule: Required<ScheduleConfig>;
  readonly verifySchedule: Required<ScheduleConfig>;
  readonly dumpTask: TaskSizeConfig;
  readonly verifyTask: Required<VerifyTaskSizeConfig>;
  readonly smokeQueries: readonly string[];
  readonly sslMode: SslMode;
}

/** Defaults applied; undefined for a monitoring-only database (no connection). Call only on a valid config. */
export function resolveDatabaseJobConfig(database: DatabaseConfig): ResolvedDatabaseJobConfig | undefined {
  if (!database.connection) return undefined;
  const dumpSchedule = withDefaults<ScheduleConfig>(DATABASE_DEFAULTS.dumpSchedule, database.dumpSchedule);
  return {
    id: database.id,
    connection: { ...database.connection, port: database.connection.port ?? DATABASE_DEFAULTS.port },
    secret: database.secretArn ? { arn: database.secretArn } : { name: database.secretName! },
    ...(database.secretKeyArn ? { secretKeyArn: database.secretKeyArn } : {}),
    ...(database.placement ? { placement: database.placement } : {}),
    ...(database.databaseSecurityGroupId ? { databaseSecurityGroupId: database.databaseSecurityGroupId } : {}),
    dumpSchedule,
    verifySchedule: withDefaults<ScheduleConfig>(
      { cron: DATABASE_DEFAULTS.verifyCron, timeZone: dumpSchedule.timeZone },
      database.verifySchedule,
    ),
    dumpTask: database.dumpTask ?? DATABASE_DEFAULTS.dumpTask,
    verifyTask: withDefaults<VerifyTaskSizeConfig>(DATABASE_DEFAULTS.verifyTask, database.verifyTask),
    smokeQueries: database.smokeQueries ?? [],
    sslMode: database.sslMode ?? DATABASE_DEFAULTS.sslMode,
  };
}

/** Records every problem of one database entry; `path` is like `databases[2]`. The id and its uniqueness are checked by the caller. */
export function validateDatabaseConfig(database: DatabaseConfig, path: string, problems: ConfigProblems): void {
  const connection = database.connection as Partial<RdsConnection & HostConnection> | undefined;
  if (connection === undefined) {
    if (database.secretArn !== undefined || database.secretName !== undefined) {
      problems.add(`${path}.connection`, undefined, 'is required when a secret is given (rdsInstance, or host and database)');
    }
    return;
  }
  validateConnection(connection, `${path}.connection`, problems);
  validateSecretReference(database, path, problems);

  if (database.placement !== undefined) {
    checkText(database.placement.vpcId, ID_RULES.vpcId, `${path}.placement.vpcId`, problems);
    checkSubnetIds(database.placement.subnetIds, `${path}.placement.subnetIds`, problems);
  }
  if (database.databaseSecurityGroupId !== undefined) {
    checkText(database.databaseSecurityGroupId, ID_RULES.securityGroupId, `${path}.databaseSecurityGroupId`, problems);
  }

  validateSchedule(database.dumpSchedule, `${path}.dumpSchedule`, problems);
  validateSchedule(database.verifySchedule, `${path}.verifySchedule`, problems);
  validateTaskSize(database.dumpTask, `${path}.dumpTask`, problems);
  validateTaskSize(database.verifyTask, `${path}.verifyTask`, problems);

  if (database.smokeQueries !== undefined) {
    if (!Array.isArray(database.smokeQueries)) {
      problems.add(`${path}.smokeQueries`, database.smokeQueries, 'must be a list of SQL strings');
    } else {
      database.smokeQueries.forEach((query, i) => {
        if (typeof query !== 'string' || query.trim() === '')
          problems.add(`${path}.smokeQueries[${i}]`, query, 'must be a non-empty SQL string');
      });
    }
  }
  validateSslMode(database.sslMode, `${path}.sslMode`, problems);
}
