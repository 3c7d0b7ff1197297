/**
 * The environment a pg-backup container runs with. Every `PG_BACKUP_*` variable is named here once:
 * the CLI's options read them (`.env(TASK_ENV.bucket)`), the jobs stack writes them through
 * dumpTaskDefinitionEnvironment / verifyTaskDefinitionEnvironment (the shared task definitions) and
 * dumpRunEnvironment / verifyRunEnvironment (each schedule's container overrides), so a rename on one
 * side is a rename on both.
 */
export const TASK_ENV = {
  /** --db-id: the folder databases/<id>/ in the bucket. */
  databaseId: 'PG_BACKUP_DB_ID',
  /** --bucket. */
  bucket: 'PG_BACKUP_BUCKET',
  /** --kms-key-id: the key every object this command writes is encrypted with. */
  kmsKeyId: 'PG_BACKUP_KMS_KEY_ID',
  /** dump --source, a postgresql:// URL without a password. */
  source: 'PG_BACKUP_SOURCE',
  /** restore --target, a postgresql:// URL without a password. */
  target: 'PG_BACKUP_TARGET',
  /** --rds-instance: the endpoint comes from DescribeDBInstances. */
  rdsInstance: 'PG_BACKUP_RDS_INSTANCE',
  /** --database: the database name on the RDS instance. */
  database: 'PG_BACKUP_DATABASE',
  /** --secret-arn: the Secrets Manager secret with username and password (its ARN or name; never the value). */
  secretArn: 'PG_BACKUP_SECRET_ARN',
  /** --work-dir: room for the downloaded dump and the throwaway cluster. */
  workDir: 'PG_BACKUP_WORK_DIR',
  /** --jobs: parallel pg_restore jobs (verify, restore). */
  parallelJobs: 'PG_BACKUP_JOBS',
  /** --smoke-query, as a JSON array of SQL strings: verify runs them, dump keeps them in the manifest for restore. */
  smokeQueries: 'PG_BACKUP_SMOKE_QUERIES',
  /** --backup: a backup id, or latest. */
  backup: 'PG_BACKUP_BACKUP',
  /** restore --at: the newest backup taken at or before this time. */
  at: 'PG_BACKUP_AT',
  /** dump --compression-level (zstd). */
  compressionLevel: 'PG_BACKUP_COMPRESSION_LEVEL',
  /** restore --replace / --with-roles / --no-owner / --yes. */
  replace: 'PG_BACKUP_REPLACE',
  withRoles: 'PG_BACKUP_WITH_ROLES',
  noOwner: 'PG_BACKUP_NO_OWNER',
  yes: 'PG_BACKUP_YES',
  /** restore --allow-unverified / --terminate-connections. */
  allowUnverified: 'PG_BACKUP_ALLOW_UNVERIFIED',
  terminateConnections: 'PG_BACKUP_TERMINATE_CONNECTIONS',
  /** restore --alert-topic-arn: the topic a restore notifies (default: the one beside the bucket). */
  alertTopicArn: 'PG_BACKUP_ALERT_TOPIC_ARN',
  /** restore, verify, download --restore-tier / --wait / --poll-seconds: archived backups. */
  restoreTier: 'PG_BACKUP_RESTORE_TIER',
  wait: 'PG_BACKUP_WAIT',
  pollSeconds: 'PG_BACKUP_POLL_SECONDS',
  /** download --output / --force. */
  output: 'PG_BACKUP_OUTPUT',
  force: 'PG_BACKUP_FORCE',
  /** list --limit. */
  limit: 'PG_BACKUP_LIMIT',
  /** status --max-age / --max-verify-age / --size-tolerance. */
  maxAge: 'PG_BACKUP_MAX_AGE',
  maxVerifyAge: 'PG_BACKUP_MAX_VERIFY_AGE',
  sizeTolerance: 'PG_BACKUP_SIZE_TOLERANCE',
  /** --json: print the result document on stdout. */
  json: 'PG_BACKUP_JSON',
  /** `json` for JSON log lines (what the tasks write to CloudWatch Logs); otherwise a terminal gets a progress bar. */
  logFormat: 'PG_BACKUP_LOG_FORMAT',
  /** The non-root OS user verify's throwaway cluster runs as when the CLI runs as root. */
  clusterUser: 'PG_BACKUP_CLUSTER_USER',
  /** `1`: a failure prints its stack and every cause's, not only the messages (an unexpected failure always does). */
  debug: 'PG_BACKUP_DEBUG',
} as const;

/** Variables of libpq and the AWS SDK that the tasks set too. */
export const LIBPQ_SSL_MODE = 'PGSSLMODE';
export const AWS_REGION = 'AWS_REGION';

/** How the dump task finds its database: an RDS instance (by DescribeDBInstances) or a host. */
export type TaskDatabaseLocation =
  | { readonly rdsInstance: string; readonly database?: string }
  | { readonly host: string; readonly port: number; readonly database: string };

/*
 * A task's environment comes from two places. The task definition, shared by every database whose job
 * has the same kind and size, holds what is the same for all of them (the bucket, the key, the region, the
 * work dir). The run adds what belongs to one database (its id, secret, location, smoke queries): EventBridge
 * Scheduler passes them as RunTask container overrides, with the database's task role. Each variable has
 * exactly one of the two places, chosen here; runEnvironment() is what the container then sees.
 */

/** What every job of a stage is told, in its task definition. */
export interface StageJobSettings {
  readonly bucket: string;
  /** The backup key's ARN: what the job writes is encrypted with it. */
  readonly kmsKeyId: string;
  readonly region: string;
}

export interface VerifyStageSettings extends StageJobSettings {
  /** Where the dump and the throwaway cluster go (the task's scratch volume). */
  readonly workDir: string;
}

/** What the dump of one database is told, in its run's overrides. */
export interface DumpDatabaseSettings {
  readonly databaseId: string;
  readonly location: TaskDatabaseLocation;
  /** The secret's ARN or name, never its value. */
  readonly secretId: string;
  /** libpq sslmode of the connection to the database. */
  readonly sslMode: string;
  /** The database's smoke queries: the dump keeps them in the manifest, so `restore` runs them on its target. */
  readonly smokeQueries?: readonly string[];
}

/** What the verify of one database is told, in its run's overrides. */
export interface VerifyDatabaseSettings {
  readonly databaseId: string;
  readonly smokeQueries: readonly string[];
}

function stageEnvironment(settings: StageJobSettings): Record<string, string> {
  return { [TASK_ENV.bucket]: settings.bucket, [TASK_ENV.kmsKeyId]: settings.kmsKeyId, [AWS_REGION]: settings.region };
}

/** The environment of every dump task definition of a stage: settings only, no secret value and nothing of one database. */
export function dumpTaskDefinitionEnvironment(settings: StageJobSettings): Record<string, string> {
  return stageEnvironment(settings);
}

/** The environment of every verify task definition of a stage. */
export function verifyTaskDefinitionEnvironment(settings: VerifyStageSettings): Record<string, string> {
  return { ...stageEnvironment(settings), [TASK_ENV.workDir]: settings.workDir };
}

/** The container overrides of one database's dump run: references only (the secret's ARN or name), never a password. */
export function dumpRunEnvironment(settings: DumpDatabaseSettings): Record<string, string> {
  const location = settings.location;
  return {
    [TASK_ENV.databaseId]: settings.databaseId,
    [TASK_ENV.secretArn]: settings.secretId,
    [LIBPQ_SSL_MODE]: settings.sslMode,
    ...(settings.smokeQueries?.length ? { [TASK_ENV.smokeQueries]: JSON.stringify(settings.smokeQueries) } : {}),
    ...('rdsInstance' in location
      ? { [TASK_ENV.rdsInstance]: location.rdsInstance, ...(location.database ? { [TASK_ENV.database]: location.database } : {}) }
      : { [TASK_ENV.source]: `postgresql://${location.host}:${location.port}/${encodeURIComponent(location.database)}` }),
  };
}

/** The container overrides of one database's verify run. */
export function verifyRunEnvironment(settings: VerifyDatabaseSettings): Record<string, string> {
  return {
    [TASK_ENV.databaseId]: settings.databaseId,
    ...(settings.smokeQueries.length > 0 ? { [TASK_ENV.smokeQueries]: JSON.stringify(settings.smokeQueries) } : {}),
  };
}

/**
 * What the container sees: its task definition's environment with the run's container overrides over it
 * (ECS adds the overridden variables and replaces those of the same name).
 */
export function runEnvironment(
  taskDefinition: Readonly<Record<string, string>>,
  overrides: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...taskDefinition, ...overrides };
}
