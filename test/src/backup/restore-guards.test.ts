import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RestoreRecord } from '../../../src/contract/manifest.js';
import { alertInbox } from '../../support/alert-inbox.js';
import { objectKeys, restoreRecords } from '../../support/backup-bucket.js';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, type DatabaseOwner } from '../../support/owner-database.js';
import { createBucket, postgresUrl, sharedPostgres, sql } from '../../support/services.js';

// The guard rails of `pg-backup restore` and its record, with the real CLI, PostgreSQL and moto. Each refusal must
// change nothing: the target's data is compared row by row, the bucket's objects key by key.

/** A small shop database owned by a non-superuser, dumped once: `rows` orders. */
async function shop(owner: DatabaseOwner, rows = 300) {
  const database = await createOwnedDatabase(owner, 'shop');
  const client = new pg.Client({ ...connection(database), user: owner.role, password: owner.password });
  await client.connect();
  await client.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
    CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10, 2) NOT NULL);
    INSERT INTO orders (customer_id, total) SELECT 1 + g % 50, g * 1.25 FROM generate_series(1, ${rows}) g;`);
  await client.end();
  return database;
}

function connection(database: string) {
  const { host, port } = sharedPostgres();
  return { host, port, database };
}

async function dump(owner: DatabaseOwner, database: string, bucket: string, dbId: string, extra: string[] = []) {
  const result = await runCli(['dump', '--db-id', dbId, '--bucket', bucket, '--source', owner.url(database), '--json', ...extra], {
    PGPASSWORD: owner.password,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { backupId: string; smokeQueries?: string[] };
}

const restoreArgs = (dbId: string, bucket: string, target: string, ...more: string[]) => [
  'restore',
  '--db-id',
  dbId,
  '--bucket',
  bucket,
  '--target',
  target,
  ...more,
];

describe('without a terminal', () => {
  it('refuses without --yes before reading anything: exit 4, target and bucket unchanged, no record', async () => {
    const owner = await createOwnerRole();
    const source = await shop(owner);
    const bucket = await createBucket();
    await dump(owner, source, bucket, 'shop');
    const target = await createOwnedDatabase(owner, 'target');
    await sql(target, 'CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1), (2)');
    const before = await fingerprintDatabase(postgresUrl(target));
    const keysBefore = await objectKeys(bucket);

    // execa gives the child no terminal: stdin is a pipe, as in a script or a CI job
    const result = await runCli(restoreArgs('shop', bucket, owner.url(target), '--replace', '--allow-unverified'), {
      PGPASSWORD: owner.password,
    });

    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('pg-backup: restore asks a person to confirm, and stdin is not a terminal: pass --yes');
    expect(result.stderr).toContain('nothing was read or changed');
    expect(await fingerprintDatabase(postgresUrl(target))).toEqual(before);
    expect(await objectKeys(bucket)).toEqual(keysBefore);
  });
});

describe('verification', () => {
  it('refuses a backup that failed its verification (which, when, why), restores it with --allow-unverified, and latest-verified picks the newest good one', async () => {
    const owner = await createOwnerRole();
    const source = await shop(owner, 300);
    const bucket = await createBucket();
    const good = await dump(owner, source, bucket, 'shop');
    const verifyGood = await runCli(['verify', '--db-id', 'shop', '--bucket', bucket, '--backup', good.backupId]);
    expect(verifyGood.exitCode, verifyGood.stderr).toBe(0);
    const atGood = await fingerprintDatabase(postgresUrl(source));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await sql(source, 'INSERT INTO orders (customer_id, total) SELECT 1, 9.99 FROM generate_series(1, 25)');
    const bad = await dump(owner, source, bucket, 'shop');
    // A verification that fails: its smoke query finds no such order.
    const verifyBad = await runCli([
      'verify',
      '--db-id',
      'shop',
      '--bucket',
      bucket,
      '--smoke-query',
      'SELECT count(*) > 0 FROM orders WHERE total < 0',
    ]);
    expect(verifyBad.exitCode).toBe(2);
    const target = await createOwnedDatabase(owner, 'target');
    const empty = await fingerprintDatabase(postgresUrl(target));
    const inbox = await alertInbox(bucket);

    const refused = await runCli(restoreArgs('shop', bucket, owner.url(target), '--yes'), { PGPASSWORD: owner.password });

    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(
      new RegExp(
        `backup ${bad.backupId} FAILED its verification of \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(smoke query failed: SELECT count\\(\\*\\) > 0 FROM orders WHERE total < 0: returned false\\)`,
      ),
    );
    expect(refused.stderr).toContain(`The newest backup that passed is ${good.backupId}`);
    expect(refused.stderr).toContain('--backup latest-verified restores it');
    expect(await fingerprintDatabase(postgresUrl(target))).toEqual(empty);

    const latestVerified = await runCli(restoreArgs('shop', bucket, owner.url(target), '--yes', '--backup', 'latest-verified'), {
      PGPASSWORD: owner.password,
    });
    expect(latestVerified.exitCode, latestVerified.stderr).toBe(0);
    expect(latestVerified.stdout).toContain(`restored ${good.backupId} into`);
    expect((await fingerprintDatabase(postgresUrl(target))).tables).toEqual(atGood.tables);

    const other = await createOwnedDatabase(owner, 'other');
    const forced = await runCli(restoreArgs('shop', bucket, owner.url(other), '--yes', '--allow-unverified'), {
      PGPASSWORD: owner.password,
    });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('restoring it anyway (--allow-unverified)');
    expect((await sql<{ n: string }>(other, 'SELECT count(*) AS n FROM orders'))[0]!.n).toBe('325');

    // Every attempt is recorded: the refusal too, with why.
    const records = await restoreRecords(bucket, 'shop');
    expect(records.map((r) => [r.backup, r.result, r.allowUnverified])).toEqual([
      [bad.backupId, 'refused', false],
      [good.backupId, 'succeeded', false],
      [bad.backupId, 'succeeded', true],
    ]);
    expect(records[0]!.verification).toMatchObject({ passed: false });
    expect(records[0]!.error).toContain('FAILED its verification');
    const alerts = await inbox.drain();
    expect(alerts.map((a) => a.subject)).toEqual([
      expect.stringMatching(/^pg-backup shop: restore refused: \d{8}T\d{6}Z-\w+ into /),
      expect.stringMatching(/^pg-backup shop: restored: /),
      expect.stringMatching(/^pg-backup shop: restored: /),
    ]);
  });

  it('a backup never verified is refused, naming the verify command, unless --allow-unverified', async () => {
    const owner = await createOwnerRole();
    const source = await shop(owner);
    const bucket = await createBucket();
    const only = await dump(owner, source, bucket, 'fresh');
    const target = await createOwnedDatabase(owner, 'target');

    const refused = await runCli(restoreArgs('fresh', bucket, owner.url(target), '--yes'), { PGPASSWORD: owner.password });

    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(new RegExp(`backup ${only.backupId} \\(taken [^)]+\\) has never been verified`));
    expect(refused.stderr).toContain('No backup of fresh has passed verification yet');
    expect(refused.stderr).toContain(`pg-backup verify --db-id fresh --backup ${only.backupId}`);
    expect(await sql(target, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
  });
});

describe('smoke queries on the target', () => {
  it("runs the manifest's queries (kept from the dump's environment) and --smoke-query; a failing one fails the restore loudly and is recorded", async () => {
    const owner = await createOwnerRole();
    const source = await shop(owner);
    const bucket = await createBucket();
    const manifest = await dump(owner, source, bucket, 'smoke', []);
    expect(manifest.smokeQueries).toBeUndefined();
    // The dump task's environment carries the configured queries; the manifest keeps them.
    const withQueries = await runCli(['dump', '--db-id', 'smoke', '--bucket', bucket, '--source', owner.url(source), '--json'], {
      PGPASSWORD: owner.password,
      PG_BACKUP_SMOKE_QUERIES: JSON.stringify(['SELECT count(*) = 300 FROM orders']),
    });
    expect(withQueries.exitCode, withQueries.stderr).toBe(0);
    expect(JSON.parse(withQueries.stdout).smokeQueries).toEqual(['SELECT count(*) = 300 FROM orders']);

    const target = await createOwnedDatabase(owner, 'ok');
    const ok = await runCli(
      restoreArgs(
        'smoke',
        bucket,
        owner.url(target),
        '--yes',
        '--allow-unverified',
        '--smoke-query',
        'SELECT count(*) = 50 FROM customers',
      ),
      { PGPASSWORD: owner.password },
    );
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('2 smoke queries passed');

    const failing = await createOwnedDatabase(owner, 'failing');
    const failed = await runCli(
      restoreArgs(
        'smoke',
        bucket,
        owner.url(failing),
        '--yes',
        '--allow-unverified',
        '--smoke-query',
        'SELECT count(*) > 1000 FROM orders',
      ),
      { PGPASSWORD: owner.password },
    );
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('1 of 2 smoke queries FAILED on it: SELECT count(*) > 1000 FROM orders: returned false');
    expect(failed.stderr).toContain('Do not send traffic to it');
    const [, last] = await restoreRecords(bucket, 'smoke');
    expect(last).toMatchObject({
      result: 'failed',
      smokeQueries: [
        { sql: 'SELECT count(*) = 300 FROM orders', passed: true },
        { sql: 'SELECT count(*) > 1000 FROM orders', passed: false, error: 'returned false' },
      ],
    });
  });
});

describe('other sessions on the target', () => {
  it('refuses a target with sessions, naming their count; --terminate-connections ends them and restores', async () => {
    const owner = await createOwnerRole();
    const source = await shop(owner);
    const bucket = await createBucket();
    await dump(owner, source, bucket, 'busy');
    const target = await shop(owner, 10);
    const before = await fingerprintDatabase(postgresUrl(target));
    // Two sessions of the application, as the owner (so the owner may end them without pg_signal_backend).
    const sessions = [0, 1].map(
      () => new pg.Client({ ...connection(target), user: owner.role, password: owner.password, application_name: 'shop-app' }),
    );
    const ended = new Map<pg.Client, string>();
    for (const session of sessions) {
      session.on('error', (error) => ended.set(session, ended.get(session) ?? error.message));
      await session.connect();
    }

    const refused = await runCli(restoreArgs('busy', bucket, owner.url(target), '--yes', '--replace', '--allow-unverified'), {
      PGPASSWORD: owner.password,
    });
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(/target \S+ has 2 other session\(s\) connected \(pid \d+ \(shop-app@\S+ as \w+\), pid \d+/);
    expect(refused.stderr).toContain('pass --terminate-connections');
    expect(await fingerprintDatabase(postgresUrl(target))).toEqual(before);
    expect(await objectKeys(bucket, 'databases/busy/safety/')).toEqual([]);

    const restored = await runCli(
      restoreArgs('busy', bucket, owner.url(target), '--yes', '--replace', '--allow-unverified', '--terminate-connections'),
      { PGPASSWORD: owner.password },
    );
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('ended 2 other session(s) first');
    expect((await sql<{ n: string }>(target, 'SELECT count(*) AS n FROM orders'))[0]!.n).toBe('300');
    // both application sessions were ended by PostgreSQL (pg_terminate_backend), in whatever order
    expect(sessions.map((session) => ended.get(session))).toEqual([expect.stringMatching(/terminat/), expect.stringMatching(/terminat/)]);
    const records = await restoreRecords(bucket, 'busy');
    expect(records.map((r) => [r.result, r.terminatedSessions])).toEqual([
      ['refused', undefined],
      ['succeeded', 2],
    ]);
    for (const session of sessions) await session.end().catch(() => undefined);
  });
});

describe('the audit record and the alert', () => {
  it('records who, what, where (no password), when, result, duration and the safety dump; notifies the topic; list and status show it', async () => {
    const owner = await createOwnerRole();
    const source = await shop(owner);
    const bucket = await createBucket();
    const backup = await dump(owner, source, bucket, 'audit');
    expect((await runCli(['verify', '--db-id', 'audit', '--bucket', bucket])).exitCode).toBe(0);
    const target = await shop(owner, 5);
    const inbox = await alertInbox(bucket);

    const started = Date.now();
    const restore = await runCli(restoreArgs('audit', bucket, owner.url(target), '--yes', '--replace', '--json'), {
      PGPASSWORD: owner.password,
    });
    expect(restore.exitCode, restore.stderr).toBe(0);
    const printed = JSON.parse(restore.stdout) as RestoreRecord & { recordKey: string };

    const [record] = await restoreRecords(bucket, 'audit');
    const { host, port } = sharedPostgres();
    expect(record).toMatchObject({
      schemaVersion: 1,
      databaseId: 'audit',
      backup: backup.backupId,
      restoredBy: { arn: expect.stringMatching(/^arn:aws:(sts|iam)::123456789012:/), account: '123456789012' },
      target: `${owner.role}@${host}:${port}/${target}`,
      bucket,
      result: 'succeeded',
      replace: true,
      allowUnverified: false,
      verification: { passed: true },
      tables: 2,
      rows: 350,
      safetyDump: {
        id: expect.stringMatching(/^safety\/\d{8}T\d{6}Z$/),
        key: expect.stringMatching(/^databases\/audit\/safety\/\d{8}T\d{6}Z\/dump\.pgdump\.zst$/),
      },
    });
    expect(Date.parse(record!.startedAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(record!.durationSeconds).toBeGreaterThan(0);
    expect(JSON.stringify(record)).not.toContain(owner.password);
    expect(printed.recordKey).toMatch(/^databases\/audit\/restores\/\d{8}T\d{6}\.\d{3}Z\.json$/);

    const [alert] = await inbox.drain();
    expect(alert!.subject).toBe(`pg-backup audit: restored: ${backup.backupId} into ${record!.target}`);
    expect(alert!.card.content.description).toContain(`Audit record: s3://${bucket}/${printed.recordKey}`);
    expect(alert!.card.content.description).toContain(`put it back with --backup ${record!.safetyDump!.id} --replace`);

    const list = await runCli(['list', '--db-id', 'audit', '--bucket', bucket, '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject({
      lastRestore: { backup: backup.backupId, result: 'succeeded', recordKey: printed.recordKey },
      safetyDumps: [{ backup: record!.safetyDump!.id, complete: true, restoreOf: backup.backupId, target: record!.target, tables: 2 }],
    });
    const listText = await runCli(['list', '--db-id', 'audit', '--bucket', bucket]);
    expect(listText.stdout).toMatch(new RegExp(`last restore: \\S+ SUCCEEDED: ${backup.backupId} into \\S+ by \\S+`));
    const status = await runCli(['status', '--bucket', bucket, '--db-id', 'audit']);
    expect(status.stdout).toMatch(new RegExp(`last restore \\S+ SUCCEEDED: ${backup.backupId} into`));
    const statusJson = await runCli(['status', '--bucket', bucket, '--db-id', 'audit', '--json']);
    expect(JSON.parse(statusJson.stdout).databases[0].lastRestore).toMatchObject({ result: 'succeeded', recordKey: printed.recordKey });
  });
});
