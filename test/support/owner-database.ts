import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sharedPostgres, sql, uniqueName } from './services.js';

const fixture = readFileSync(join(import.meta.dirname, '../fixtures/tricky-database.sql'), 'utf8');

/** A non-superuser login role that owns a database, as the RDS master user does. */
export interface DatabaseOwner {
  readonly role: string;
  readonly password: string;
  /** postgresql:// URL of a database without the password (it goes in PGPASSWORD). */
  url(database: string): string;
}

export async function createOwnerRole(prefix = 'owner'): Promise<DatabaseOwner> {
  const role = uniqueName(prefix).replace(/-/g, '_');
  const password = `pw-${uniqueName('secret')}`;
  await sql('postgres', `CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${password}'`);
  const { host, port } = sharedPostgres();
  return { role, password, url: (database) => `postgresql://${role}@${host}:${port}/${database}` };
}

/** A new empty database owned by `owner`. */
export async function createOwnedDatabase(owner: DatabaseOwner, prefix = 'db'): Promise<string> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  await sql('postgres', `CREATE DATABASE ${name} OWNER ${owner.role}`);
  return name;
}

/** Loads test/fixtures/tricky-database.sql as the owner (not as a superuser). */
export async function loadTrickyFixture(owner: DatabaseOwner, database: string): Promise<void> {
  const { host, port } = sharedPostgres();
  const client = new pg.Client({ host, port, database, user: owner.role, password: owner.password });
  await client.connect();
  try {
    await client.query(fixture);
  } finally {
    await client.end();
  }
}
