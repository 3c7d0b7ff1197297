import { InvalidArgumentError, Option } from 'commander';
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
    new Option('--kms-key-id <arn>', 'KMS key for SSE-KMS on what this command writes (default: the bucket default encryption)').env(
      'PG_BACKUP_KMS_KEY_ID',
    ),
  workDir: () =>
    new Option(
      '--work-dir <dir>',
      'folder for the downloaded dump and the throwaway cluster; needs room for the uncompressed dump and the restored database',
    ).env(TASK_ENV.workDir),
  parallelJobs: () =>
    new Option('--jobs <n>', 'parallel pg_restore jobs (default: one per core)').env(TASK_ENV.parallelJobs).argParser(parsePositiveInteger),
};

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
