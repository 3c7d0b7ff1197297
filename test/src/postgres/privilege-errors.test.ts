import { describe, expect, test } from 'vitest';
import { PgBackupError } from '../../../src/errors.js';
import { explainMissingPrivilege, missingPrivilege } from '../../../src/postgres/privilege-errors.js';

// Messages as PostgreSQL 15 and its pg_dump wrote them for a login missing each privilege, on the tricky fixture
// (captured from the test server; the same refusals are produced live in test/src/backup/backup-login.test.ts).
const PG_DUMP = 'pg_dump failed with exit code 1: pg_dump: error: query failed: ERROR:  ';

describe('missingPrivilege', () => {
  test.each([
    [
      'pg_dump, row-level security (pg_read_all_data without BYPASSRLS)',
      `${PG_DUMP}query would be affected by row-level security policy for table "orders"\npg_dump: detail: Query was: COPY sales.orders (id, customer_id, status, total, placed_at) TO stdout;`,
      { privilege: 'BYPASSRLS', object: 'table sales.orders' },
    ],
    [
      "the CLI's own count in the dump's snapshot, row-level security",
      `counting rows in the dump's snapshot failed: query would be affected by row-level security policy for table "orders"`,
      { privilege: 'BYPASSRLS', object: 'table orders' },
    ],
    [
      'pg_dump, a large object (pg_read_all_data and BYPASSRLS, no grant on it)',
      'pg_dump failed with exit code 1: pg_dump: error: could not open large object 16681: ERROR:  permission denied for large object 16681',
      {
        privilege: 'SELECT on large objects (GRANT SELECT ON LARGE OBJECT, which pg_read_all_data does not cover)',
        object: 'large object 16681',
      },
    ],
    [
      'pg_dump, a table (USAGE on its schema, no SELECT)',
      `${PG_DUMP}permission denied for table customers\npg_dump: detail: Query was: LOCK TABLE sales.customers IN ACCESS SHARE MODE`,
      { privilege: 'SELECT (membership in pg_read_all_data, PostgreSQL 14+)', object: 'table sales.customers' },
    ],
    [
      'pg_dump, a schema (no privilege at all)',
      `${PG_DUMP}permission denied for schema sales\npg_dump: detail: Query was: LOCK TABLE sales.customers IN ACCESS SHARE MODE`,
      { privilege: 'USAGE on the schema (membership in pg_read_all_data, PostgreSQL 14+)', object: 'schema sales' },
    ],
    [
      'a sequence',
      'permission denied for sequence ticket_number',
      { privilege: 'SELECT (membership in pg_read_all_data, PostgreSQL 14+)', object: 'sequence ticket_number' },
    ],
    ['the database', 'permission denied for database shop', { privilege: 'CONNECT on the database', object: 'database shop' }],
  ])('%s', (_name, message, expected) => {
    expect(missingPrivilege(message)).toMatchObject(expected);
  });

  test.each([
    'could not connect to the source database backup@db:5432/shop: password authentication failed (check the secret or PGPASSWORD)',
    'pg_dump failed with exit code 1: pg_dump: error: aborting because of server version mismatch',
    'pg_dump was killed by SIGKILL',
  ])('is not about privileges: %s', (message) => {
    expect(missingPrivilege(message)).toBeUndefined();
  });
});

describe('explainMissingPrivilege', () => {
  test('puts the login, the privilege, the object and the docs first, the server words after, the error as cause', () => {
    const server = new PgBackupError(
      `${PG_DUMP}query would be affected by row-level security policy for table "orders"\npg_dump: detail: Query was: COPY sales.orders (id) TO stdout;`,
    );
    const explained = explainMissingPrivilege(server, 'backup_login') as PgBackupError;
    expect(explained).toBeInstanceOf(PgBackupError);
    expect(explained.message.split('\n')[0]).toBe(
      'the backup login "backup_login" lacks BYPASSRLS for table sales.orders: the table has row-level security, and a dump that silently left out the rows its policies hide would be worse than none. ' +
        'Grant it as docs/operations.md, section "A least-privileged backup login" shows.',
    );
    expect(explained.message).toContain(server.message);
    expect(explained.cause).toBe(server);
  });

  test('leaves any other error as it is', () => {
    const other = new PgBackupError('S3 refused the upload');
    expect(explainMissingPrivilege(other, 'backup_login')).toBe(other);
  });
});
