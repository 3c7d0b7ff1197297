import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, type DatabaseOwner, loadTrickyFixture } from '../../support/owner-database.js';
import { createBucket, postgresUrl, sharedPostgres, sql, uniqueName } from '../../support/services.js';

// Issue 12, "a least-privileged database login": the SQL of docs/operations.md, run as written there (only the
// role's name and password made unique), must give a login that dumps the whole tricky fixture (row-level security,
// large objects, partitions...) with nothing more; each privilege left out must be named when the dump fails.

const docs = readFileSync(join(import.meta.dirname, '../../../docs/operations.md'), 'utf8');

/** The first ```sql block after the heading `title` of docs/operations.md. */
function docsSql(title: string): string {
  const at = docs.indexOf(`\n${title}\n`);
  if (at < 0) throw new Error(`docs/operations.md has no heading ${title}`);
  const block = /```sql\n([\s\S]*?)```/.exec(docs.slice(at));
  if (!block) throw new Error(`no sql block after ${title}`);
  return block[1]!;
}

interface Login {
  readonly name: string;
  readonly password: string;
}

/** The docs' SQL for the login `backup_login`, with a unique name and password. */
function forLogin(text: string, login: Login): string {
  return text.replaceAll('backup_login', login.name).replaceAll("'change-me'", `'${login.password}'`);
}

function newLogin(): Login {
  return { name: uniqueName('backup_login').replace(/-/g, '_'), password: `pw-${uniqueName('login')}` };
}

/** Runs `text` in `database` as the owner, as the docs say the owner of the large objects does. */
async function asOwner(owner: DatabaseOwner, database: string, text: string): Promise<void> {
  const { host, port } = sharedPostgres();
  const client = new pg.Client({ host, port, database, user: owner.role, password: owner.password });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function fixture(): Promise<{ owner: DatabaseOwner; source: string; bucket: string }> {
  const owner = await createOwnerRole();
  const source = await createOwnedDatabase(owner, 'login_src');
  await loadTrickyFixture(owner, source);
  return { owner, source, bucket: await createBucket('login') };
}

const dumpAs = (login: Login, source: string, bucket: string) => {
  const { host, port } = sharedPostgres();
  return runCli(
    ['dump', '--db-id', 'login-db', '--bucket', bucket, '--source', `postgresql://${login.name}@${host}:${port}/${source}`, '--json'],
    {
      PGPASSWORD: login.password,
    },
  );
};

describe('the backup login of docs/operations.md', () => {
  it('dumps, verifies and restores the whole fixture: every row behind row-level security, the large object, sequences', async () => {
    // GIVEN the fixture, owned by a non-superuser, and the login the docs create (as a superuser; large objects by their owner)
    const { owner, source, bucket } = await fixture();
    const login = newLogin();
    await sql('postgres', forLogin(docsSql('### On a self-managed server'), login));
    await asOwner(owner, source, forLogin(docsSql('### Large objects'), login));
    const before = await fingerprintDatabase(postgresUrl(source));
    expect(
      (await sql('postgres', 'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1', [login.name]))[0],
    ).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
    });

    // WHEN the login dumps, verify restores it in a throwaway cluster, and the owner restores it into a new database
    const dump = await dumpAs(login, source, bucket);
    expect(dump.exitCode, dump.stderr).toBe(0);
    const manifest = JSON.parse(dump.stdout) as { tables: { schema: string; table: string; rows: number }[] };
    const verify = await runCli(['verify', '--db-id', 'login-db', '--bucket', bucket, '--json']);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    const target = await createOwnedDatabase(owner, 'login_dst');
    const restore = await runCli(['restore', '--db-id', 'login-db', '--bucket', bucket, '--target', owner.url(target), '--yes'], {
      PGPASSWORD: owner.password,
    });
    expect(restore.exitCode, restore.stderr).toBe(0);

    // THEN the restored database equals the source, the cancelled orders row-level security hides included
    const after = await fingerprintDatabase(postgresUrl(target));
    expect(after.schema).toBe(before.schema);
    expect(after.tables).toEqual(before.tables);
    expect(after.sequences).toEqual(before.sequences);
    expect(after.largeObjects).toEqual(before.largeObjects);
    expect(before.largeObjects.length).toBeGreaterThan(0);
    expect(manifest.tables).toContainEqual({ schema: 'sales', table: 'orders', rows: 5000 });
    expect(JSON.parse(verify.stdout)).toMatchObject({ passed: true });
    // and the roles the dump stored include the login itself, without any password
    expect(dump.stdout + dump.stderr).not.toContain(login.password);
  });

  it('names each privilege left out, the object refused and the docs section', async () => {
    const { source, bucket } = await fixture();
    const login = newLogin();
    const docsHint = 'Grant it as docs/operations.md, section "A least-privileged backup login" shows.';

    // No privilege at all: PostgreSQL refuses the first schema the dump reads.
    await sql('postgres', `CREATE ROLE ${login.name} LOGIN PASSWORD '${login.password}'`);
    const nothing = await dumpAs(login, source, bucket);
    expect(nothing.exitCode).toBe(1);
    expect(nothing.stderr).toMatch(
      new RegExp(
        `the backup login "${login.name}" lacks USAGE on the schema \\(membership in pg_read_all_data, PostgreSQL 14\\+\\) for schema `,
      ),
    );
    expect(nothing.stderr).toContain(docsHint);

    // pg_read_all_data, no BYPASSRLS: the table with row-level security is refused, not dumped without its hidden rows.
    await sql('postgres', `GRANT pg_read_all_data TO ${login.name}`);
    const noBypass = await dumpAs(login, source, bucket);
    expect(noBypass.exitCode).toBe(1);
    expect(noBypass.stderr).toMatch(
      new RegExp(`the backup login "${login.name}" lacks BYPASSRLS for table (sales\\.)?orders: the table has row-level security`),
    );

    // BYPASSRLS too, but no grant on the large object.
    await sql('postgres', `ALTER ROLE ${login.name} BYPASSRLS`);
    const noLargeObject = await dumpAs(login, source, bucket);
    const [{ oid }] = await sql<{ oid: number }>(source, 'SELECT oid FROM pg_largeobject_metadata');
    expect(noLargeObject.exitCode).toBe(1);
    expect(noLargeObject.stderr).toContain(
      `lacks SELECT on large objects (GRANT SELECT ON LARGE OBJECT, which pg_read_all_data does not cover) for large object ${oid}: the dump carries every large object.`,
    );
    // Nothing was published by any of them.
    const list = await runCli(['list', '--db-id', 'login-db', '--bucket', bucket, '--json']);
    expect(JSON.parse(list.stdout).backups.filter((b: { complete: boolean }) => b.complete)).toEqual([]);
  });
});
