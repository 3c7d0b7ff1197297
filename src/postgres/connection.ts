import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PgBackupError } from '../errors.js';

/** Where a database is and who connects to it. The password never leaves this object except through the environment. */
export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string;
}

/**
 * Parses postgresql://user:password@host:port/database. A missing password falls back to PGPASSWORD
 * (so operators can keep it out of argv); libpq's passfile (~/.pgpass, PGPASSFILE) still applies.
 */
export function parsePostgresUrl(url: string, field: string, env: NodeJS.ProcessEnv = process.env): ConnectionTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PgBackupError(`${field} (${redactUrl(url)}) is not a URL; expected postgresql://user@host:5432/database`);
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new PgBackupError(`${field} (${redactUrl(url)}) must start with postgresql://`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !database) {
    throw new PgBackupError(`${field} (${redactUrl(url)}) must name a host and a database: postgresql://user@host:5432/database`);
  }
  const password = parsed.password ? decodeURIComponent(parsed.password) : env.PGPASSWORD;
  return {
    host: decodeURIComponent(parsed.hostname),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: parsed.username ? decodeURIComponent(parsed.username) : (env.PGUSER ?? 'postgres'),
    ...(password !== undefined ? { password } : {}),
  };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** user@host:port/database: how logs and manifests name a target (no password). */
export function describeTarget(target: ConnectionTarget): string {
  return `${target.user}@${target.host}:${target.port}/${target.database}`;
}

/** A copy of the target pointed at another database of the same server. */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  return { ...target, database };
}

/**
 * Environment for libpq tools (pg_dump, pg_restore, psql). The password goes in PGPASSWORD, never
 * in argv, so it does not show in `ps` or in error messages that quote the command line.
 */
export function libpqEnvironment(target: ConnectionTarget, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGUSER: target.user,
    PGDATABASE: target.database,
    PGCONNECT_TIMEOUT: base.PGCONNECT_TIMEOUT ?? '10',
    PGAPPNAME: 'pg-backup',
  };
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  else delete env.PGPASSWORD;
  return env;
}

/**
 * Connects with node-postgres, failing within seconds with a message that names the target and the
 * cause (wrong password, unknown host, refused, timeout) and never the password.
 */
export async function connect(target: ConnectionTarget, purpose: string, env: NodeJS.ProcessEnv = process.env): Promise<pg.Client> {
  // A unix socket (a throwaway cluster's) never carries TLS.
  const mode = target.host.startsWith('/') ? 'disable' : (env.PGSSLMODE ?? 'prefer');
  if (mode === 'prefer' || mode === 'allow') {
    // libpq's default: TLS when the server offers it, plain otherwise (pg_dump behaves the same way).
    try {
      return await connectWith(target, purpose, { rejectUnauthorized: false });
    } catch (error) {
      if (!/does not support SSL/i.test((error as Error).message)) throw error;
      return connectWith(target, purpose, false);
    }
  }
  return connectWith(target, purpose, sslOptions(mode, env), { mode, rootCert: env.PGSSLROOTCERT });
}

/**
 * node-postgres TLS options with libpq's meaning of PGSSLMODE: `require` encrypts without checking
 * the certificate (RDS's CA is not in Node's store); `verify-ca` / `verify-full` check it against
 * PGSSLROOTCERT (e.g. the RDS CA bundle), `verify-full` also the host name.
 */
function sslOptions(mode: string, env: NodeJS.ProcessEnv): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full': {
      const ca = env.PGSSLROOTCERT ? readFileSync(env.PGSSLROOTCERT, 'utf8') : undefined;
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}) };
    }
    default:
      throw new PgBackupError(`PGSSLMODE (${mode}) must be one of disable, allow, prefer, require, verify-ca, verify-full`);
  }
}

/** What a certificate failure message names: the mode that checked and the CAs it checked against. */
interface TlsCheck {
  readonly mode: string;
  readonly rootCert: string | undefined;
}

async function connectWith(target: ConnectionTarget, purpose: string, ssl: pg.ClientConfig['ssl'], tls?: TlsCheck): Promise<pg.Client> {
  const client = new pg.Client({
    ssl,
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    connectionTimeoutMillis: 10_000,
    application_name: 'pg-backup',
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new PgBackupError(
      `could not connect to the ${purpose} ${describeTarget(target)}: ${connectionFailureReason(error, target, tls)}`,
      {
        cause: error,
      },
    );
  }
  client.on('error', () => undefined);
  return client;
}

/** Node's codes for a server certificate that does not chain to a trusted CA, or is not valid now. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
]);

function connectionFailureReason(error: unknown, target: ConnectionTarget, tls?: TlsCheck): string {
  const { code, message } = error as { code?: string; message?: string };
  const checkedAgainst = `PGSSLMODE=${tls?.mode} checks it against PGSSLROOTCERT (${tls?.rootCert ?? "unset: Node's default CAs"})`;
  if (code && UNTRUSTED_CERTIFICATE.has(code)) {
    return `the server's certificate is not trusted (${message}): ${checkedAgainst}; for RDS that is the image's RDS CA bundle`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      `the server's certificate does not name ${target.host} (${message}): connect by a name the certificate holds ` +
      '(for RDS, the instance endpoint), or use sslMode verify-ca, which checks the CA only'
    );
  }
  switch (code) {
    case '28P01':
      return 'password authentication failed (check the secret or PGPASSWORD)';
    case '28000':
      return `${message} (the server's pg_hba.conf refuses this user or host)`;
    case '3D000':
      return `${message}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found (check the host or the RDS instance name)';
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running and listening on that port?)';
    case 'ETIMEDOUT':
      return 'timed out (check security groups and routes)';
    default:
      return /timeout/i.test(message ?? '') ? 'timed out after 10 s (check security groups and routes)' : (message ?? String(error));
  }
}
