import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_RESTORE_TIER, RESTORE_TIERS, type RestoreTier, TYPICAL_RESTORE_TIME } from '../aws/s3-archive.js';
import { DATABASE_ID_PATTERN, DATABASE_ID_RULE } from '../contract/layout.js';
import { TASK_ENV } from '../contract/task-environment.js';

/** Options every backup command shares; each also reads an environment variable, for the containers. */
export const commonOptions = {
  databaseId: () =>
    new Option('--db-id <id>', 'database id: the folder databases/<id>/ in the bucket')
      .env(TASK_ENV.databaseId)
      .makeOptionMandatory()
      .argParser(parseDatabaseId),
  bucket: () =>
    new Option('--bucket <name>', 'backup bucket (the primary, or the replica in the other region)')
      .env(TASK_ENV.bucket)
      .makeOptionMandatory(),
  kmsKeyId: () =>
    new Option(
      '--kms-key-id <arn>',
      "KMS key for SSE-KMS on what this command writes (default: dump names none; verify and restore name the bucket's default key, read with GetBucketEncryption)",
    ).env('PG_BACKUP_KMS_KEY_ID'),
  workDir: () =>
    new Option(
      '--work-dir <dir>',
      'folder for the downloaded dump and the throwaway cluster; needs room for the uncompressed dump and the restored database',
    ).env(TASK_ENV.workDir),
  parallelJobs: () =>
    new Option('--jobs <n>', 'parallel pg_restore jobs (default: one per core)').env(TASK_ENV.parallelJobs).argParser(parsePositiveInteger),
  smokeQueries: (description: string) =>
    new Option('--smoke-query <sql>', `${description} (repeatable; env: a JSON array)`)
      .env(TASK_ENV.smokeQueries)
      .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), ...parseSmokeQueries(value)]),
  restoreTier: () =>
    new Option(
      '--restore-tier <tier>',
      `retrieval tier when the backup is archived (GLACIER: ${describeTiers('GLACIER')}; DEEP_ARCHIVE: ${describeTiers('DEEP_ARCHIVE')})`,
    )
      .env(TASK_ENV.restoreTier)
      .default(DEFAULT_RESTORE_TIER)
      .argParser(parseRestoreTier),
  wait: () =>
    new Option('--wait', 'when the backup is archived, start its S3 restore and wait until it is readable, then go on').env(TASK_ENV.wait),
  pollSeconds: () =>
    new Option('--poll-seconds <n>', 'with --wait: seconds between two looks at an archived backup')
      .env(TASK_ENV.pollSeconds)
      .default(60)
      .argParser(parsePositiveInteger),
};

function describeTiers(storageClass: keyof typeof TYPICAL_RESTORE_TIME): string {
  return Object.entries(TYPICAL_RESTORE_TIME[storageClass])
    .map(([tier, time]) => `${tier} ${time.text.replace(/ \(.*\)$/, '')}`)
    .join(', ');
}

export function parseRestoreTier(value: string): RestoreTier {
  if (!(RESTORE_TIERS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`It must be one of ${RESTORE_TIERS.join(', ')}.`);
  return value as RestoreTier;
}

/** A JSON array of SQL strings (the container's env form), or one SQL statement. */
export function parseSmokeQueries(value: string): string[] {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[')) return [value];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new InvalidArgumentError(
      `It starts with [ but is not JSON (${(error as Error).message}): give SQL, or a JSON array of SQL strings.`,
    );
  }
  if (!Array.isArray(parsed) || !parsed.every((q) => typeof q === 'string'))
    throw new InvalidArgumentError('It must be SQL, or a JSON array of SQL strings.');
  return parsed;
}

// Argument parsers throw commander's InvalidArgumentError: commander then names the option (or its environment
// variable) and echoes the value before our sentence, as in
// "error: option '--jobs <n>' argument '0' is invalid. It must be a whole number of at least 1."

export function parseDatabaseId(value: string): string {
  if (!DATABASE_ID_PATTERN.test(value)) throw new InvalidArgumentError(`It must be ${DATABASE_ID_RULE}.`);
  return value;
}

/** A whole number from `min` (to `max`, when given). */
export function parseWholeNumber(value: string, min: number, max?: number): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || (max !== undefined && number > max)) {
    throw new InvalidArgumentError(
      max === undefined ? `It must be a whole number of at least ${min}.` : `It must be a whole number from ${min} to ${max}.`,
    );
  }
  return number;
}

export function parsePositiveInteger(value: string): number {
  return parseWholeNumber(value, 1);
}
