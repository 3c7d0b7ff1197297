import { ID_RULES } from './id-rules.js';
import type { ConfigProblems } from './problems.js';
import { checkText, isWholeNumberIn } from './toolkit.js';

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

/** The Secrets Manager secret a database is reached with (fields of DatabaseConfig). */
export interface DatabaseSecretReference {
  readonly secretArn?: string;
  readonly secretName?: string;
  readonly secretKeyArn?: string;
}

/** libpq `sslmode` of the dump's connection. */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

export const DEFAULT_POSTGRES_PORT = 5432;

const HOST_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** Records every problem of a database's `connection`; `path` is like `databases[2].connection`. */
export function validateConnection(connection: Partial<RdsConnection & HostConnection>, path: string, problems: ConfigProblems): void {
  if ((connection.rdsInstance === undefined) === (connection.host === undefined)) {
    problems.add(path, connection, 'must name either rdsInstance, or host and database (exactly one of the two)');
  } else if (connection.rdsInstance !== undefined) {
    checkText(connection.rdsInstance, ID_RULES.rdsInstance, `${path}.rdsInstance`, problems);
    if (connection.database !== undefined && (typeof connection.database !== 'string' || connection.database.length === 0)) {
      problems.add(`${path}.database`, connection.database, 'must be a database name');
    }
  } else {
    if (typeof connection.host !== 'string' || !HOST_PATTERN.test(connection.host)) {
      problems.add(`${path}.host`, connection.host, 'must be a host name or IP address');
    }
    if (typeof connection.database !== 'string' || connection.database.length === 0) {
      problems.add(`${path}.database`, connection.database, 'is required with host (the database name)');
    }
  }
  if (connection.port !== undefined && !isWholeNumberIn(connection.port, { min: 1, max: 65535 })) {
    problems.add(`${path}.port`, connection.port, 'must be a TCP port from 1 to 65535');
  }
}

/** Records every problem of the secret fields of a database entry; `path` is like `databases[2]`. */
export function validateSecretReference(secret: DatabaseSecretReference, path: string, problems: ConfigProblems): void {
  if (secret.secretArn !== undefined && secret.secretName !== undefined) {
    problems.add(`${path}.secretName`, secret.secretName, 'must not be given together with secretArn (give one)');
  } else if (secret.secretArn === undefined && secret.secretName === undefined) {
    problems.add(
      `${path}.secretArn`,
      undefined,
      'is required: the Secrets Manager secret with the username and password (or give secretName)',
    );
  } else if (secret.secretArn !== undefined) {
    checkText(secret.secretArn, ID_RULES.secretArn, `${path}.secretArn`, problems);
  } else {
    checkText(secret.secretName, ID_RULES.secretName, `${path}.secretName`, problems);
  }
  if (secret.secretKeyArn !== undefined) checkText(secret.secretKeyArn, ID_RULES.kmsKeyArn, `${path}.secretKeyArn`, problems);
}

/** Records a problem unless `sslMode` is absent or one of SSL_MODES. */
export function validateSslMode(sslMode: unknown, field: string, problems: ConfigProblems): void {
  if (sslMode !== undefined && !SSL_MODES.includes(sslMode as SslMode)) {
    problems.add(
      field,
      sslMode,
      `must be one of ${SSL_MODES.join(', ')} (verify-full, the default, checks the server's certificate against the image's RDS CA bundle)`,
    );
  }
}
