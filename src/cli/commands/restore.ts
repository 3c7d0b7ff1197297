import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { resolveConnection } from '../../aws/database-credentials.js';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { parseBackupChoice, resolveBackup } from '../../backup/backup-catalog.js';
import { type RestorePlan, runRestore } from '../../backup/restore.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { commonOptions } from '../common-options.js';
import { reporterFor } from '../reporters.js';

interface RestoreFlags {
  dbId: string;
  bucket: string;
  target?: string;
  rdsInstance?: string;
  secretArn?: string;
  database?: string;
  backup?: string;
  at?: string;
  replace?: boolean;
  withRoles?: boolean;
  owner: boolean;
  yes?: boolean;
  kmsKeyId?: string;
  workDir?: string;
  /** --jobs: parallel pg_restore jobs (commander names the attribute after the flag). */
  jobs?: number;
}

/** `pg-backup restore`: put a backup back into a database, refusing to overwrite anything by accident. */
export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      'Restore a backup into an existing database (from the primary bucket, or the replica bucket in the other region for a regional disaster). ' +
        'A target that already holds tables is refused and left untouched unless --replace, which first writes a safety dump of it to databases/<id>/safety/. ' +
        "Asks for confirmation on a terminal unless --yes. Runs ANALYZE and checks every table's row count against the manifest.",
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(
      new Option('--target <url>', 'postgresql://user@host:5432/database to restore into (password: PGPASSWORD or --secret-arn)').env(
        'PG_BACKUP_TARGET',
      ),
    )
    .addOption(new Option('--rds-instance <name>', 'restore into this RDS instance instead of --target').env(TASK_ENV.rdsInstance))
    .addOption(new Option('--secret-arn <arn>', "Secrets Manager secret with the target's username and password").env(TASK_ENV.secretArn))
    .addOption(new Option('--database <name>', 'database name on the RDS instance').env(TASK_ENV.database))
    .addOption(new Option('--backup <id>', 'backup id, or latest (default)').env(TASK_ENV.backup))
    .addOption(
      new Option('--at <iso-time>', 'the newest complete backup taken at or before this time, e.g. 2026-11-22T03:00:00Z').env(
        'PG_BACKUP_AT',
      ),
    )
    .addOption(
      new Option('--replace', 'overwrite a target that holds tables, after a safety dump of it to the bucket').env(TASK_ENV.replace),
    )
    .addOption(new Option('--with-roles', 'recreate the stored roles and memberships first (for a fresh server)').env(TASK_ENV.withRoles))
    .addOption(new Option('--no-owner', 'do not restore ownership: every object belongs to the connecting user').env(TASK_ENV.noOwner))
    .addOption(new Option('-y, --yes', 'do not ask for confirmation').env(TASK_ENV.yes))
    .addOption(commonOptions.kmsKeyId())
    .addOption(commonOptions.workDir())
    .addOption(commonOptions.parallelJobs())
    .action(async (flags: RestoreFlags) => {
      const reporter = reporterFor();
      const s3 = s3ClientFromEnvironment();
      const choice = parseBackupChoice(flags.backup, flags.at);
      const { target } = await resolveConnection({
        url: flags.target,
        rdsInstance: flags.rdsInstance,
        secretArn: flags.secretArn,
        database: flags.database,
        urlFlag: '--target',
      });
      const manifest = await resolveBackup(s3, flags.bucket, flags.dbId, choice);
      reporter.event('backup chosen', {
        backupId: manifest.backupId,
        takenAt: manifest.startedAt,
        tables: manifest.tables.length,
        storedBytes: manifest.dump.storedBytes,
      });
      const result = await runRestore({
        s3,
        bucket: flags.bucket,
        manifest,
        target,
        replace: flags.replace,
        withRoles: flags.withRoles,
        noOwner: !flags.owner,
        confirm: (plan) => (flags.yes || !process.stdin.isTTY ? Promise.resolve(true) : askOnTerminal(plan)),
        reporter,
        kmsKeyId: flags.kmsKeyId,
        workDir: flags.workDir,
        parallelJobs: flags.jobs,
      });
      process.stdout.write(
        `restored backup ${result.backupId} into ${result.target} in ${result.restoreSeconds.toFixed(1)} s: ${result.tables} tables, ${result.rows} rows, all matching the manifest` +
          `${result.safetyDump ? `; the previous content is saved at s3://${flags.bucket}/${result.safetyDump.key}` : ''}\n`,
      );
    });
}

async function askOnTerminal(plan: RestorePlan): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const overwrite =
      plan.existingTables.length > 0 ? ` OVERWRITING its ${plan.existingTables.length} table(s) (a safety dump is taken first)` : '';
    const answer = await prompt.question(`Restore backup ${plan.backupId} into ${plan.target}${overwrite}? Type "yes" to continue: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}
