import { DescribeDBInstancesCommand, type DescribeDBInstancesCommandOutput, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PgBackupError } from '../errors.js';
import { type ConnectionTarget, parsePostgresUrl } from '../postgres/connection.js';

/** The JSON shape of an RDS-managed or RDS-generated database secret (extra keys are ignored). */
interface DatabaseSecret {
  readonly username?: string;
  readonly password?: string;
  readonly host?: string;
  readonly port?: number | string;
  readonly dbname?: string;
}

export interface SourceFlags {
  /** postgresql://user@host:port/db (a password here is visible in `ps`: prefer the secret or PGPASSWORD). */
  readonly url?: string;
  readonly rdsInstance?: string;
  readonly secretArn?: string;
  /** Database name on an RDS instance. @default the secret's dbname, else the instance's DBName, else postgres */
  readonly database?: string;
  /** Flag names for messages, e.g. { url: '--source' }. */
  readonly urlFlag: string;
}

/**
 * Where to connect and as whom: a URL, or an RDS instance found with DescribeDBInstances; the user
 * and password from a Secrets Manager secret when given (they override the URL's).
 */
export async function resolveConnection(
  flags: SourceFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ target: ConnectionTarget; rdsInstance?: string }> {
  if (flags.url && flags.rdsInstance)
    throw new PgBackupError(`${flags.urlFlag} and --rds-instance (${flags.rdsInstance}) both name the database: give one`);
  if (!flags.url && !flags.rdsInstance)
    throw new PgBackupError(`no database given: pass ${flags.urlFlag} postgresql://user@host:5432/db or --rds-instance NAME`);
  const secret = flags.secretArn ? await readSecret(flags.secretArn) : undefined;

  if (flags.url) {
    const target = parsePostgresUrl(flags.url, flags.urlFlag, env);
    return {
      target: secret
        ? { ...target, user: secret.username ?? target.user, ...(secret.password !== undefined ? { password: secret.password } : {}) }
        : target,
    };
  }

  const instance = flags.rdsInstance!;
  let described: DescribeDBInstancesCommandOutput;
  try {
    described = await new RDSClient({}).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }));
  } catch (error) {
    throw new PgBackupError(`--rds-instance (${instance}): DescribeDBInstances failed: ${(error as Error).message}`, { cause: error });
  }
  const db = described.DBInstances?.[0];
  if (!db?.Endpoint?.Address)
    throw new PgBackupError(`--rds-instance (${instance}) has no endpoint yet (status ${db?.DBInstanceStatus ?? 'unknown'})`);
  if (db.Engine && !db.Engine.includes('postgres'))
    throw new PgBackupError(`--rds-instance (${instance}) runs ${db.Engine}, not PostgreSQL`);
  const user = secret?.username ?? env.PGUSER ?? db.MasterUsername;
  if (!user) throw new PgBackupError(`--rds-instance (${instance}): no user name; pass --secret-arn or set PGUSER`);
  const password = secret?.password ?? env.PGPASSWORD;
  return {
    rdsInstance: instance,
    target: {
      host: db.Endpoint.Address,
      port: db.Endpoint.Port ?? 5432,
      database: flags.database ?? secret?.dbname ?? db.DBName ?? 'postgres',
      user,
      ...(password !== undefined ? { password } : {}),
    },
  };
}

async function readSecret(secretArn: string): Promise<DatabaseSecret> {
  let text: string | undefined;
  try {
    text = (await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } catch (error) {
    throw new PgBackupError(`--secret-arn (${secretArn}): GetSecretValue failed: ${(error as Error).message}`, { cause: error });
  }
  let secret: unknown;
  try {
    secret = JSON.parse(text ?? '');
  } catch {
    secret = undefined;
  }
  // Never echo the secret's content, not even as the cause: it may be a bare password, and JSON.parse quotes its input.
  if (typeof secret !== 'object' || secret === null) {
    throw new PgBackupError(`--secret-arn (${secretArn}) does not hold a JSON object with username and password (as RDS secrets do)`);
  }
  return secret as DatabaseSecret;
}
