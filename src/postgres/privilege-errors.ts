import { PgBackupError } from '../errors.js';

/** Where the SQL that creates a backup login with every privilege a dump needs is. */
export const BACKUP_LOGIN_DOCS = 'docs/operations.md, section "A least-privileged backup login"';

/** A privilege the server said the login lacks, and on what. */
export interface MissingPrivilege {
  /** What to grant, as the docs name it, like `BYPASSRLS`. */
  readonly privilege: string;
  /** The object refused, like `table sales.orders` or `large object 16681`. */
  readonly object: string;
  /** Why the dump needs it. */
  readonly why: string;
}

const READ_ALL = 'SELECT (membership in pg_read_all_data, PostgreSQL 14+)';

/**
 * What PostgreSQL says when a login may not read what a dump reads, in its own words (PostgreSQL 15's, from
 * pg_dump and from the CLI's own queries; see test/src/postgres/privilege-errors.test.ts), and what it lacks.
 */
const RULES: readonly { readonly pattern: RegExp; readonly missing: (name: string, kind: string) => Omit<MissingPrivilege, 'object'> }[] = [
  {
    pattern: /query would be affected by row-level security policy for table "?([^"\s]+)"?/,
    missing: () => ({
      privilege: 'BYPASSRLS',
      why: 'the table has row-level security, and a dump that silently left out the rows its policies hide would be worse than none',
    }),
  },
  {
    pattern: /permission denied for (large object) (\d+)/,
    missing: () => ({
      privilege: 'SELECT on large objects (GRANT SELECT ON LARGE OBJECT, which pg_read_all_data does not cover)',
      why: 'the dump carries every large object',
    }),
  },
  {
    pattern: /permission denied for (table|sequence|view|materialized view|foreign table) "?([^"\s]+)"?/,
    missing: (_name, kind) => ({ privilege: READ_ALL, why: `the dump reads every ${kind}` }),
  },
  {
    pattern: /permission denied for (schema) "?([^"\s]+)"?/,
    missing: () => ({
      privilege: 'USAGE on the schema (membership in pg_read_all_data, PostgreSQL 14+)',
      why: 'the dump reads every schema',
    }),
  },
  {
    pattern: /permission denied for (database) "?([^"\s]+)"?/,
    missing: () => ({ privilege: 'CONNECT on the database', why: 'the dump connects to it' }),
  },
];

/**
 * The privilege a server error says the login lacks, or undefined for any other error. pg_dump names a table
 * without its schema in the error and with it in the query it quotes (`Query was: LOCK TABLE sales.customers ...`):
 * the qualified name is taken from there when it is the same table.
 */
export function missingPrivilege(message: string): MissingPrivilege | undefined {
  for (const rule of RULES) {
    const match = rule.pattern.exec(message);
    if (!match) continue;
    const [kind, name] = match.length > 2 ? [match[1]!, match[2]!] : ['table', match[1]!];
    const quoted = /Query was: (?:LOCK TABLE|COPY|SELECT .* FROM(?: ONLY)?) ([^\s(]+)/.exec(message)?.[1];
    const qualified = quoted && quoted.replaceAll('"', '').split('.').at(-1) === name ? quoted : name;
    return { object: `${kind} ${qualified}`, ...rule.missing(name, kind) };
  }
  return undefined;
}

/**
 * `error` with the privilege it shows missing put first, naming the login, the privilege, the object and the
 * docs, and the server's own words kept after it (and as `cause`); any other error as it is.
 */
export function explainMissingPrivilege(error: unknown, login: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const missing = missingPrivilege(message);
  if (!missing) return error;
  return new PgBackupError(
    `the backup login "${login}" lacks ${missing.privilege} for ${missing.object}: ${missing.why}. ` +
      `Grant it as ${BACKUP_LOGIN_DOCS} shows.\n${message}`,
    { cause: error },
  );
}
