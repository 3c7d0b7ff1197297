import { describe, expect, test } from 'vitest';
import { describeFailure } from '../../../src/cli/main.js';
import { PgBackupError } from '../../../src/errors.js';
import { runCli } from '../../support/cli.js';
import { uniqueName } from '../../support/services.js';

const STACK_LINE = /\n\s+at /;

describe('describeFailure: what a failed command prints', () => {
  const s3Failure = Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
  const foreseen = new PgBackupError('could not read s3://b/databases/x/latest.json: The specified bucket does not exist', {
    cause: s3Failure,
  });

  test('a foreseen failure: the message and every cause, no stack', () => {
    const text = describeFailure(foreseen, { debug: false });
    expect(text).toBe(
      [
        'pg-backup: could not read s3://b/databases/x/latest.json: The specified bucket does not exist',
        '  caused by: NoSuchBucket: The specified bucket does not exist',
        '',
      ].join('\n'),
    );
  });

  test('PG_BACKUP_DEBUG=1: the same, then the stack of the error and of each cause', () => {
    const text = describeFailure(foreseen, { debug: true });
    expect(text.startsWith('pg-backup: could not read s3://b/databases/x/latest.json')).toBe(true);
    expect(text).toContain('PgBackupError: could not read s3://b/databases/x/latest.json');
    expect(text).toContain('caused by: NoSuchBucket: The specified bucket does not exist\n    at ');
    expect(text).toMatch(STACK_LINE);
  });

  test('an unexpected failure always prints its stack and asks for a report', () => {
    const text = describeFailure(new TypeError("Cannot read properties of undefined (reading 'latest')"), { debug: false });
    expect(text.split('\n')[0]).toBe("pg-backup: unexpected TypeError: Cannot read properties of undefined (reading 'latest')");
    expect(text).toMatch(STACK_LINE);
    expect(text).toContain('pg-backup did not foresee this failure: please report it with the lines above.');
  });

  test('a cause chain with a cycle ends; a thrown non-Error is shown as it is', () => {
    const a = new PgBackupError('outer');
    const b = new Error('inner', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(describeFailure(a, { debug: false })).toBe('pg-backup: outer\n  caused by: Error: inner\n');
    expect(describeFailure('plain text', { debug: false }).split('\n')[0]).toBe('pg-backup: unexpected plain text');
  });
});

describe('the real CLI: options named, causes printed', () => {
  test.each<[string, string[], Record<string, string>, string]>([
    [
      '--jobs 0',
      ['verify', '--db-id', 'orders-db', '--bucket', 'b', '--jobs', '0'],
      {},
      "error: option '--jobs <n>' argument '0' is invalid. It must be a whole number of at least 1.",
    ],
    [
      'PG_BACKUP_JOBS=many',
      ['restore', '--db-id', 'orders-db', '--bucket', 'b'],
      { PG_BACKUP_JOBS: 'many' },
      "error: option '--jobs <n>' value 'many' from env 'PG_BACKUP_JOBS' is invalid. It must be a whole number of at least 1.",
    ],
    [
      'a malformed --db-id',
      ['list', '--db-id', 'Orders_DB', '--bucket', 'b'],
      {},
      "error: option '--db-id <id>' argument 'Orders_DB' is invalid. It must be 1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen.",
    ],
    [
      '--compression-level 20',
      ['dump', '--db-id', 'orders-db', '--bucket', 'b', '--compression-level', '20'],
      {},
      "error: option '--compression-level <n>' argument '20' is invalid. It must be a whole number from 1 to 19.",
    ],
    [
      'an unknown --restore-tier',
      ['restore', '--db-id', 'orders-db', '--bucket', 'b', '--restore-tier', 'Fast'],
      {},
      "error: option '--restore-tier <tier>' argument 'Fast' is invalid. It must be one of Expedited, Standard, Bulk.",
    ],
    [
      'PG_BACKUP_RESTORE_TIER=bulk (tiers are spelled as S3 spells them)',
      ['download', '--db-id', 'orders-db', '--bucket', 'b', '--output', 'x.pgdump'],
      { PG_BACKUP_RESTORE_TIER: 'bulk' },
      "error: option '--restore-tier <tier>' value 'bulk' from env 'PG_BACKUP_RESTORE_TIER' is invalid. It must be one of Expedited, Standard, Bulk.",
    ],
    [
      'a smoke query that is a list of numbers',
      ['verify', '--db-id', 'orders-db', '--bucket', 'b', '--smoke-query', '[1]'],
      {},
      "error: option '--smoke-query <sql>' argument '[1]' is invalid. It must be SQL, or a JSON array of SQL strings.",
    ],
  ])('%s: exit 1, the option named', async (_name, args, env, expected) => {
    const result = await runCli(args, env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(expected);
  });

  test('a read from a bucket that does not exist: the message, its cause, and with PG_BACKUP_DEBUG=1 the stacks', async () => {
    const bucket = uniqueName('missing');
    const args = ['verify', '--db-id', 'orders-db', '--bucket', bucket];

    const plain = await runCli(args);
    const debug = await runCli(args, { PG_BACKUP_DEBUG: '1' });

    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toContain(`pg-backup: could not read s3://${bucket}/databases/orders-db/latest.json: `);
    expect(plain.stderr).toMatch(/\n {2}caused by: NoSuchBucket: /);
    expect(plain.stderr).not.toMatch(STACK_LINE);
    expect(debug.exitCode).toBe(1);
    expect(debug.stderr).toMatch(/\n {2}caused by: NoSuchBucket: /);
    expect(debug.stderr).toMatch(STACK_LINE);
  });
});
