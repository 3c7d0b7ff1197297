import type { ConfigProblems } from './problems.js';

/** An RDS (or Aurora-instance) PostgreSQL: the CLI finds the endpoint with DescribeDBInstances. */
export interface RdsConnection {
  /** The DB instance identifier, like `orders-prod`. */
  readonly rdsInstance: string;
  /**
   * Database name on the instance.
   * @default - the secret's `dbname`, else the instance's DBName, else `postgres`
   */
  readonly database?: string;
  /**
   * The instance's port; used only for the ingress rule on `databaseSecurityGroupId`.
   * @default 5432
   */
  readonly port?: number;
}

/** Any PostgreSQL reachable from the task subnets. */
export interface HostConnection {
  /** Host name or IP address. */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  /** Database name. */
  readonly database: string;
}

export type DatabaseConnection = RdsConnection | HostConnection;

/** Where a database's tasks run when not in the app network (`network` of the AppConfig). */
export interface DatabasePlacement {
  /** The VPC of `subnetIds`, like `vpc-0abc...`. */
  readonly vpcId: string;
  /** Private subnets with a route to the AWS APIs the tasks call (NAT or VPC endpoints). */
  readonly subnetIds: readonly string[];
}

/** An EventBridge Scheduler cron expression and the time zone it is read in. */
export interface ScheduleConfig {
  /** Six fields, as EventBridge writes them: `minutes hours day-of-month month day-of-week year`, like `0 2 * * ? *`. */
  readonly cron: string;
  /**
   * IANA time zone, like `Europe/Berlin`.
   * @default UTC
   */
  readonly timeZone?: string;
}

/** A Fargate task size: one of Fargate's CPU and memory combinations. */
export interface TaskSizeConfig {
  /** vCPUs: 0.25, 0.5, 1, 2, 4, 8 or 16. */
  readonly vcpu: number;
  /** Memory in GiB, within the range Fargate allows for `vcpu` (e.g. 4 to 16 for 2 vCPUs). */
  readonly memoryGiB: number;
}

export interface VerifyTaskSizeConfig extends TaskSizeConfig {
  /**
   * Ephemeral storage in GiB (21 to 200): room for the downloaded dump and the restored database.
   * @default 200
   */
  readonly ephemeralStorageGiB?: number;
}

/** libpq `sslmode` of the dump's connection. */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** One database to back up: where it is, as whom, from where, when, and with how much. */
export interface DatabaseConfig {
  /** Used in S3 keys, IAM ARNs and metric dimensions: see DATABASE_ID_PATTERN in src/contract/layout.ts. */
  readonly id: string;
  /**
   * Where the database is. Without it the app creates no tasks for this database: it is backed up by
   * something else (e.g. `pg-backup dump` run on-premises) and only monitored.
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
}

export const DATABASE_DEFAULTS = {
  dumpSchedule: { cron: '0 2 * * ? *', timeZone: 'UTC' },
  verifyCron: '0 6 * * ? *',
  dumpTask: { vcpu: 2, memoryGiB: 4 },
  verifyTask: { vcpu: 4, memoryGiB: 16, ephemeralStorageGiB: 200 },
  port: 5432,
  sslMode: 'verify-full',
} as const;

/** Fargate's ephemeral storage range, GiB. */
export const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

/** Fargate's valid memory (GiB) per vCPU count (Linux). */
export function fargateMemoryChoices(vcpu: number): readonly number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
  switch (vcpu) {
    case 0.25:
      return [0.5, 1, 2];
    case 0.5:
      return range(1, 4, 1);
    case 1:
      return range(2, 8, 1);
    case 2:
      return range(4, 16, 1);
    case 4:
      return range(8, 30, 1);
    case 8:
      return range(16, 60, 4);
    case 16:
      return range(32, 120, 8);
    default:
      return [];
  }
}
export const FARGATE_VCPUS: readonly number[] = [0.25, 0.5, 1, 2, 4, 8, 16];

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
  const dumpSchedule = { ...DATABASE_DEFAULTS.dumpSchedule, ...definedOnly(database.dumpSchedule ?? {}) };
  return {
    id: database.id,
    connection: { ...database.connection, port: database.connection.port ?? DATABASE_DEFAULTS.port },
    secret: database.secretArn ? { arn: database.secretArn } : { name: database.secretName! },
    ...(database.secretKeyArn ? { secretKeyArn: database.secretKeyArn } : {}),
    ...(database.placement ? { placement: database.placement } : {}),
    ...(database.databaseSecurityGroupId ? { databaseSecurityGroupId: database.databaseSecurityGroupId } : {}),
    dumpSchedule,
    verifySchedule: { cron: DATABASE_DEFAULTS.verifyCron, timeZone: dumpSchedule.timeZone, ...definedOnly(database.verifySchedule ?? {}) },
    dumpTask: database.dumpTask ?? DATABASE_DEFAULTS.dumpTask,
    verifyTask: { ...DATABASE_DEFAULTS.verifyTask, ...definedOnly(database.verifyTask ?? {}) },
    smokeQueries: database.smokeQueries ?? [],
    sslMode: database.sslMode ?? DATABASE_DEFAULTS.sslMode,
  };
}

export const RDS_INSTANCE_PATTERN = /^[a-zA-Z](?:-?[a-zA-Z0-9]){0,62}$/;
export const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$/;
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-f0-9-]{36}$/;
export const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8,17}$/;
export const SUBNET_ID_PATTERN = /^subnet-[0-9a-f]{8,17}$/;
export const SECURITY_GROUP_ID_PATTERN = /^sg-[0-9a-f]{8,17}$/;
const HOST_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
/** Six space-separated fields; EventBridge checks the rest at deploy. */
const CRON_PATTERN = /^\S+ \S+ \S+ \S+ \S+ \S+$/;

/** Records every problem of one database entry; `path` is like `databases[2]`. The id and its uniqueness are checked by the caller. */
export function validateDatabaseConfig(database: DatabaseConfig, path: string, problems: ConfigProblems): void {
  const connection = database.connection as Partial<RdsConnection & HostConnection> | undefined;
  const hasSecret = database.secretArn !== undefined || database.secretName !== undefined;
  if (connection === undefined) {
    if (hasSecret) problems.add(`${path}.connection`, undefined, 'is required when a secret is given (rdsInstance, or host and database)');
    return;
  }
  if ((connection.rdsInstance === undefined) === (connection.host === undefined)) {
    problems.add(`${path}.connection`, connection, 'must name either rdsInstance, or host and database (exactly one of the two)');
  } else if (connection.rdsInstance !== undefined) {
    if (typeof connection.rdsInstance !== 'string' || !RDS_INSTANCE_PATTERN.test(connection.rdsInstance)) {
      problems.add(
        `${path}.connection.rdsInstance`,
        connection.rdsInstance,
        'must be an RDS DB instance identifier (1 to 63 letters, digits and single hyphens, starting with a letter)',
      );
    }
    if (connection.database !== undefined && (typeof connection.database !== 'string' || connection.database.length === 0)) {
      problems.add(`${path}.connection.database`, connection.database, 'must be a database name');
    }
  } else {
    if (typeof connection.host !== 'string' || !HOST_PATTERN.test(connection.host)) {
      problems.add(`${path}.connection.host`, connection.host, 'must be a host name or IP address');
    }
    if (typeof connection.database !== 'string' || connection.database.length === 0) {
      problems.add(`${path}.connection.database`, connection.database, 'is required with host (the database name)');
    }
  }
  if (connection.port !== undefined && !(Number.isInteger(connection.port) && connection.port >= 1 && connection.port <= 65535)) {
    problems.add(`${path}.connection.port`, connection.port, 'must be a TCP port from 1 to 65535');
  }

  if (database.secretArn !== undefined && database.secretName !== undefined) {
    problems.add(`${path}.secretName`, database.secretName, 'must not be given together with secretArn (give one)');
  } else if (!hasSecret) {
    problems.add(
      `${path}.secretArn`,
      undefined,
      'is required: the Secrets Manager secret with the username and password (or give secretName)',
    );
  } else if (database.secretArn !== undefined && !SECRET_ARN_PATTERN.test(database.secretArn)) {
    problems.add(
      `${path}.secretArn`,
      database.secretArn,
      'must be a full Secrets Manager secret ARN, with the 6-character suffix (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf)',
    );
  } else if (database.secretName !== undefined && !SECRET_NAME_PATTERN.test(database.secretName)) {
    problems.add(`${path}.secretName`, database.secretName, 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)');
  }
  if (database.secretKeyArn !== undefined && !KMS_KEY_ARN_PATTERN.test(database.secretKeyArn)) {
    problems.add(`${path}.secretKeyArn`, database.secretKeyArn, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>)');
  }

  if (database.placement !== undefined) {
    if (!VPC_ID_PATTERN.test(database.placement.vpcId ?? ''))
      problems.add(`${path}.placement.vpcId`, database.placement.vpcId, 'must be a VPC id like vpc-0123456789abcdef0');
    validateSubnetIds(database.placement.subnetIds, `${path}.placement.subnetIds`, problems);
  }
  if (database.databaseSecurityGroupId !== undefined && !SECURITY_GROUP_ID_PATTERN.test(database.databaseSecurityGroupId)) {
    problems.add(
      `${path}.databaseSecurityGroupId`,
      database.databaseSecurityGroupId,
      'must be a security group id like sg-0123456789abcdef0',
    );
  }

  validateSchedule(database.dumpSchedule, `${path}.dumpSchedule`, problems);
  validateSchedule(database.verifySchedule, `${path}.verifySchedule`, problems);
  validateTaskSize(database.dumpTask, `${path}.dumpTask`, problems);
  validateTaskSize(database.verifyTask, `${path}.verifyTask`, problems);
  const ephemeral = database.verifyTask?.ephemeralStorageGiB;
  if (
    ephemeral !== undefined &&
    !(Number.isInteger(ephemeral) && ephemeral >= EPHEMERAL_STORAGE_GIB.min && ephemeral <= EPHEMERAL_STORAGE_GIB.max)
  ) {
    problems.add(
      `${path}.verifyTask.ephemeralStorageGiB`,
      ephemeral,
      `must be a whole number of GiB from ${EPHEMERAL_STORAGE_GIB.min} to ${EPHEMERAL_STORAGE_GIB.max} (Fargate's range)`,
    );
  }

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
  if (database.sslMode !== undefined && !SSL_MODES.includes(database.sslMode)) {
    problems.add(
      `${path}.sslMode`,
      database.sslMode,
      `must be one of ${SSL_MODES.join(', ')} (verify-full, the default, checks the server's certificate against the image's RDS CA bundle)`,
    );
  }
}

export function validateSubnetIds(subnetIds: readonly string[] | undefined, path: string, problems: ConfigProblems): void {
  if (!Array.isArray(subnetIds) || subnetIds.length === 0) {
    problems.add(path, subnetIds, 'must list at least one subnet id');
    return;
  }
  subnetIds.forEach((id, i) => {
    if (typeof id !== 'string' || !SUBNET_ID_PATTERN.test(id))
      problems.add(`${path}[${i}]`, id, 'must be a subnet id like subnet-0123456789abcdef0');
  });
}

function validateSchedule(schedule: ScheduleConfig | undefined, path: string, problems: ConfigProblems): void {
  if (schedule === undefined) return;
  if (typeof schedule.cron !== 'string' || !CRON_PATTERN.test(schedule.cron.trim())) {
    problems.add(
      `${path}.cron`,
      schedule.cron,
      'must be an EventBridge cron expression with six fields, like 0 2 * * ? * (minutes hours day-of-month month day-of-week year)',
    );
  } else {
    const [, , dayOfMonth, , dayOfWeek] = schedule.cron.trim().split(' ');
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      problems.add(
        `${path}.cron`,
        schedule.cron,
        'must have ? in exactly one of day-of-month (3rd field) and day-of-week (5th field), as EventBridge requires',
      );
    }
  }
  if (schedule.timeZone !== undefined && !isTimeZone(schedule.timeZone)) {
    problems.add(`${path}.timeZone`, schedule.timeZone, 'must be an IANA time zone like UTC or Europe/Berlin');
  }
}

function validateTaskSize(size: TaskSizeConfig | undefined, path: string, problems: ConfigProblems): void {
  if (size === undefined) return;
  if (!FARGATE_VCPUS.includes(size.vcpu)) {
    problems.add(`${path}.vcpu`, size.vcpu, `must be one of Fargate's sizes: ${FARGATE_VCPUS.join(', ')}`);
    return;
  }
  const choices = fargateMemoryChoices(size.vcpu);
  if (!choices.includes(size.memoryGiB)) {
    problems.add(
      `${path}.memoryGiB`,
      size.memoryGiB,
      `must be one of ${describeChoices(choices)} GiB with ${size.vcpu} vCPU (Fargate's combinations)`,
    );
  }
}

function describeChoices(choices: readonly number[]): string {
  if (choices.length <= 4) return choices.join(', ');
  const step = choices[1]! - choices[0]!;
  return `${choices[0]} to ${choices.at(-1)} in steps of ${step}`;
}

function isTimeZone(zone: string): boolean {
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/');
  } catch {
    return false;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
