import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDump } from '../../../src/backup/dump.js';
import { latestPointerKey } from '../../../src/contract/layout.js';
import { postgresBinary } from '../../../src/postgres/binaries.js';
import { parsePostgresUrl } from '../../../src/postgres/connection.js';
import { freePort } from '../../../src/postgres/throwaway-cluster.js';
import { type Reporter, silentReporter } from '../../../src/reporting/reporter.js';
import { getText, objectKeys, openMultipartUploads } from '../../support/backup-bucket.js';
import { runCli, startCli } from '../../support/cli.js';
import { createBucket, createDatabase, postgresUrl, s3Client, sharedPostgres, sql } from '../../support/services.js';

/** A database of about 60 MB of incompressible-ish rows: several upload parts, a second or more of pg_dump. */
async function bigDatabase(): Promise<string> {
  const database = await createDatabase('big');
  await sql(
    database,
    `CREATE TABLE filler AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS a, random() AS b FROM generate_series(1, 800000) g`,
  );
  return database;
}

/** A successful first backup, so we can prove a failed one leaves it the newest. */
async function goodBackup(database: string, bucket: string, databaseId: string) {
  await runDump({
    s3: s3Client(),
    bucket,
    databaseId,
    source: parsePostgresUrl(postgresUrl(database), 'source'),
    reporter: silentReporter,
  });
  return getText(bucket, latestPointerKey(databaseId));
}

async function expectNothingLeftBehind(bucket: string, databaseId: string, pointerBefore: string, keysBefore: string[]) {
  expect(await openMultipartUploads(bucket)).toEqual([]);
  expect(await objectKeys(bucket, `databases/${databaseId}/`)).toEqual(keysBefore);
  expect(await getText(bucket, latestPointerKey(databaseId))).toBe(pointerBefore);
}

describe('a dump that fails never looks like a backup', () => {
  it('pg_dump killed mid-stream: non-zero, multipart upload aborted, no manifest, newest backup unchanged', async () => {
    const database = await bigDatabase();
    const bucket = await createBucket();
    const pointerBefore = await goodBackup(database, bucket, 'killed');
    const keysBefore = await objectKeys(bucket, 'databases/killed/');

    // Kill the real pg_dump process once it has streamed 8 MB (the pid comes from the dump's own log event).
    let pid: number | undefined;
    let killed = false;
    const killer: Reporter = {
      ...silentReporter,
      event: (message, fields) => {
        if (message === 'pg_dump running') pid = fields?.pid as number;
      },
      progress: (step, bytes) => {
        if (step === 'dump' && bytes > 8_000_000 && pid && !killed) {
          killed = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    };
    const failure = runDump({
      s3: s3Client(),
      bucket,
      databaseId: 'killed',
      source: parsePostgresUrl(postgresUrl(database), 'source'),
      reporter: killer,
      partBytes: 5 * 1024 * 1024,
    });

    await expect(failure).rejects.toThrow(/pg_dump was killed by SIGKILL/);
    expect(killed).toBe(true);
    await expectNothingLeftBehind(bucket, 'killed', pointerBefore, keysBefore);
  });

  it('S3 refuses a part mid-upload: non-zero, pg_dump stopped, upload aborted, no manifest, newest backup unchanged', async () => {
    const database = await bigDatabase();
    const bucket = await createBucket();
    const pointerBefore = await goodBackup(database, bucket, 'refused');
    const keysBefore = await objectKeys(bucket, 'databases/refused/');

    // Fault injection: moto cannot refuse one part of an otherwise valid upload, so a client
    // middleware answers the second UploadPart with AccessDenied, as S3 does when a policy or KMS grant is revoked mid-dump.
    const s3 = s3Client();
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === 'UploadPartCommand' && input.PartNumber === 2) {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'refuseSecondPart' },
    );
    const failure = runDump({
      s3,
      bucket,
      databaseId: 'refused',
      source: parsePostgresUrl(postgresUrl(database), 'source'),
      reporter: silentReporter,
      partBytes: 5 * 1024 * 1024,
    });

    await expect(failure).rejects.toThrow(/upload to s3:\/\/.+\/databases\/refused\/backups\/.+\/dump\.pgdump\.zst failed: Access Denied/);
    await expectNothingLeftBehind(bucket, 'refused', pointerBefore, keysBefore);
    // and no pg_dump is left running on the server
    await expect
      .poll(
        async () =>
          (
            await sql(
              'postgres',
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg-backup' AND backend_type = 'client backend' AND query ILIKE 'COPY%'",
            )
          )[0].n,
        { timeout: 10_000 },
      )
      .toBe(0);
  });

  it('the task is stopped (SIGTERM) mid-dump: non-zero, upload aborted, no manifest, newest backup unchanged', async () => {
    const database = await bigDatabase();
    const bucket = await createBucket();
    const pointerBefore = await goodBackup(database, bucket, 'stopped');
    const keysBefore = await objectKeys(bucket, 'databases/stopped/');

    const cli = startCli(['dump', '--db-id', 'stopped', '--bucket', bucket, '--source', postgresUrl(database)]);
    await new Promise<void>((resolve) => {
      cli.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('"msg":"pg_dump running"')) resolve();
      });
    });
    cli.kill('SIGTERM');
    const result = await cli;

    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toContain('interrupted: the upload of');
    await expectNothingLeftBehind(bucket, 'stopped', pointerBefore, keysBefore);
  });

  it.each([
    // A newer pg_dump: the archive version is patched to 1.17, which the counter does not know.
    [
      'an archive version the row counter does not know',
      `{ head -c 5; printf '\\001\\021\\000'; tail -c +9; }`,
      /custom-format archive of version 1\.17, which this pg-backup cannot read/,
    ],
    // An archive cut short while pg_dump exits 0: the counter notices at its end, before the upload's last byte.
    [
      'an archive cut short by a pg_dump that exits 0',
      'head -c -1000',
      /the pg_dump archive is damaged at byte \d+: the archive ends inside the data of TABLE DATA public\.filler/,
    ],
  ])('%s: non-zero, upload aborted, no manifest, newest backup unchanged', async (_name, filter, message) => {
    const database = await bigDatabase();
    const bucket = await createBucket();
    const pointerBefore = await goodBackup(database, bucket, 'unreadable');
    const keysBefore = await objectKeys(bucket, 'databases/unreadable/');
    // A PG_BIN_DIR whose pg_dump is the real one with its archive passed through `filter`.
    const binDir = mkdtempSync(join(tmpdir(), 'pg-bin-'));
    const realPgDump = postgresBinary('pg_dump');
    writeFileSync(
      join(binDir, 'pg_dump'),
      `#!/bin/sh\ncase "$1" in --version|-V) exec ${realPgDump} "$@";; esac\n${realPgDump} "$@" | ${filter}\n`,
    );
    chmodSync(join(binDir, 'pg_dump'), 0o755);
    symlinkSync(postgresBinary('pg_dumpall'), join(binDir, 'pg_dumpall'));

    const result = await runCli(['dump', '--db-id', 'unreadable', '--bucket', bucket, '--source', postgresUrl(database)], {
      PG_BIN_DIR: binDir,
    }).finally(() => rmSync(binDir, { recursive: true, force: true }));

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
    await expectNothingLeftBehind(bucket, 'unreadable', pointerBefore, keysBefore);
  });

  it('a bucket that does not exist: the CLI fails naming it', async () => {
    const database = await createDatabase('nobucket');
    const result = await runCli(['dump', '--db-id', 'x', '--bucket', 'no-such-bucket-here', '--source', postgresUrl(database)]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/no-such-bucket-here.*NoSuchBucket|NoSuchBucket.*no-such-bucket-here/s);
  });

  it('a wrong password: a clear error within seconds, and the password never printed', async () => {
    const database = await createDatabase('badpw');
    const { host, port, superuser } = sharedPostgres();
    const started = Date.now();
    const result = await runCli(
      ['dump', '--db-id', 'x', '--bucket', await createBucket(), '--source', `postgresql://${superuser}@${host}:${port}/${database}`],
      { PGPASSWORD: 'not-the-password-42' },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `could not connect to the source database ${superuser}@${host}:${port}/${database}: password authentication failed`,
    );
    expect(result.stderr + result.stdout).not.toContain('not-the-password-42');
  });

  it('an unreachable host: a clear error within seconds', async () => {
    const port = await freePort();
    const started = Date.now();
    const refused = await runCli(['dump', '--db-id', 'x', '--bucket', 'any-bucket', '--source', `postgresql://u@127.0.0.1:${port}/db`], {
      PGPASSWORD: 'x',
    });
    const unknown = await runCli(
      ['dump', '--db-id', 'x', '--bucket', 'any-bucket', '--source', 'postgresql://u@no-such-host.invalid:5432/db'],
      { PGPASSWORD: 'x' },
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`127.0.0.1:${port}/db: connection refused`);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('no-such-host.invalid:5432/db: host name not found');
  });
});
