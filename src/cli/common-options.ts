import { Option } from 'commander';
import { DATABASE_ID_PATTERN } from '../contract/layout.js';
import { TASK_ENV } from '../contract/task-environment.js';
import { PgBackupError } from '../errors.js';

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
    new Option('--jobs <n>', 'parallel pg_restore jobs (default: one per core)')
      .env(TASK_ENV.parallelJobs)
      .argParser((value: string) => parsePositiveInteger(value, '--jobs')),
};

export function parseDatabaseId(value: string): string {
  if (!DATABASE_ID_PATTERN.test(value)) {
    throw new PgBackupError(
      `--db-id (${JSON.stringify(value)}) must be 1-48 lower-case letters, digits and hyphens, starting and ending with a letter or digit`,
    );
  }
  return value;
}

export function parsePositiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new PgBackupError(`${flag} (${JSON.stringify(value)}) must be a whole number of at least 1`);
  return number;
}
