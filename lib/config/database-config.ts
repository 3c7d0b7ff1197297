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
import { type TaskSizeConfig, type VerifyTaskSizeConfig, VOLUME_THROUGHPUT_MIBPS, validateTaskSize } from './fargate-task-size.js';
import { checkSubnetIds, ID_RULES } from './id-rules.js';
import type { PointInTimeRecoveryConfig } from './point-in-time-recovery-config.js';
import type { ConfigProblems } from './problems.js';
import { offsetCron, type ScheduleConfig, startOffsetMinutes, validateSchedule } from './schedule-config.js';
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
  /**
   * `volumeGiB` attaches an EBS volume for databases too large for the ephemeral storage.
   * @default - 4 vCPU, 16 GiB, 200 GiB ephemeral storage (restores a 50 GB database)
   */
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
   * A database no longer backed up: no tasks, alarms or freshness check, and its backups stay until they
   * expire. Keep the entry (rather than deleting it) so it keeps its place: databases are assigned to the
   * numbered jobs and monitoring stacks by their position in `databases`, and a removed entry would move
   * every later database to another stack (docs/operations.md "Two hundred databases").
   * @default false
   */
  readonly retired?: boolean;
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
  verifyTask: Required<Pick<VerifyTaskSizeConfig, 'vcpu' | 'memoryGiB' | 'ephemeralStorageGiB'>>;
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
  readonly verifyTask: ResolvedVerifyTask;
  readonly smokeQueries: readonly string[];
  readonly sslMode: SslMode;
}

/** Where verify works: the task's ephemeral storage, or an EBS volume attached at launch. */
export type VerifyStorage =
  | { readonly kind: 'ephemeral'; readonly sizeGiB: number }
  | { readonly kind: 'volume'; readonly sizeGiB: number; readonly throughputMiBps: number };

export interface ResolvedVerifyTask extends TaskSizeConfig {
  readonly storage: VerifyStorage;
}

/** Defaults applied; undefined for a monitoring-only or retired database. Call only on a valid config. */
export function resolveDatabaseJobConfig(database: DatabaseConfig): ResolvedDatabaseJobConfig | undefined {
  if (!database.connection || database.retired) return undefined;
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
    verifyTask: resolveVerifyTask(database.verifyTask),
    smokeQueries: database.smokeQueries ?? [],
    sslMode: database.sslMode ?? DATABASE_DEFAULTS.sslMode,
  };
}

function resolveVerifyTask(task: VerifyTaskSizeConfig | undefined): ResolvedVerifyTask {
  const { vcpu, memoryGiB } = { ...DATABASE_DEFAULTS.verifyTask, ...(task ? { vcpu: task.vcpu, memoryGiB: task.memoryGiB } : {}) };
  const storage: VerifyStorage =
    task?.volumeGiB !== undefined
      ? { kind: 'volume', sizeGiB: task.volumeGiB, throughputMiBps: task.volumeThroughputMiBps ?? VOLUME_THROUGHPUT_MIBPS.min }
      : { kind: 'ephemeral', sizeGiB: task?.ephemeralStorageGiB ?? DATABASE_DEFAULTS.verifyTask.ephemeralStorageGiB };
  return { vcpu, memoryGiB, storage };
}

/** Records every problem of one database entry; `path` is like `databases[2]`. The id and its uniqueness are checked by the caller. */
export function validateDatabaseConfig(database: DatabaseConfig, path: string, problems: ConfigProblems): void {
  if (database.retired !== undefined && typeof database.retired !== 'boolean') {
    problems.add(`${path}.retired`, database.retired, 'must be true or false');
  }
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

/**
 * Records a problem for each cron of a database with tasks that cannot take its start offset inside
 * `jobs.startWindowMinutes` (schedule-config.ts offsetCron). Malformed crons are validateSchedule's to report.
 */
export function validateStartOffsets(database: DatabaseConfig, path: string, windowMinutes: number, problems: ConfigProblems): void {
  if (!database.connection || database.retired || windowMinutes === 0 || typeof database.id !== 'string') return;
  const offset = startOffsetMinutes(database.id, windowMinutes);
  const crons: [string, unknown][] = [
    ['dumpSchedule', database.dumpSchedule === undefined ? DATABASE_DEFAULTS.dumpSchedule.cron : database.dumpSchedule.cron],
    ['verifySchedule', database.verifySchedule === undefined ? DATABASE_DEFAULTS.verifyCron : database.verifySchedule.cron],
  ];
  for (const [field, cron] of crons) {
    if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 6) continue;
    const moved = offsetCron(cron, offset);
    if ('problem' in moved) {
      problems.add(
        `${path}.${field}.cron`,
        cron,
        `${moved.problem} (this database's start offset is ${offset} minutes of jobs.startWindowMinutes ${windowMinutes}; 0 turns the offsets off)`,
      );
    }
  }
}
