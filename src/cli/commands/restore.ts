import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import { alertTopicFor } from '../../aws/alert-notification.js';
import { writeKeyOf } from '../../aws/bucket-key.js';
import { callerIdentity, partitionOf } from '../../aws/caller-identity.js';
import { resolveConnection } from '../../aws/database-credentials.js';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { makeReadable, readingArchived } from '../../backup/archive-retrieval.js';
import { BACKUP_CHOICES_RULE, parseBackupChoice, resolveBackup } from '../../backup/backup-catalog.js';
import { recordedRestore } from '../../backup/recorded-restore.js';
import { type RestorePlan, RestoreRefusedError } from '../../backup/restore.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { PgBackupError } from '../../errors.js';
import { describeSessions } from '../../postgres/target-sessions.js';
import { type ArchiveFlags, archiveRetrievalOf } from '../archive-flags.js';
import { commonOptions } from '../common-options.js';
import { reporterFor } from '../reporters.js';

interface RestoreFlags extends ArchiveFlags {
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
  allowUnverified?: boolean;
  terminateConnections?: boolean;
  smokeQuery?: string[];
  alertTopicArn?: string;
  kmsKeyId?: string;
  workDir?: string;
  /** --jobs: parallel pg_restore jobs (commander names the attribute after the flag). */
  jobs?: number;
  json?: boolean;
}

/** `pg-backup restore`: put a backup back into a database, with guard rails, and record who did it. */
export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      'Restore a backup into an existing database (from the primary bucket, or the replica bucket in the other region for a regional disaster). ' +
        'Guard rails, each refusing with nothing changed (exit 4): without a terminal it needs --yes; a backup whose newest verification failed, or that was never verified, needs --allow-unverified ' +
        '(--backup latest-verified picks the newest that passed); a target that holds tables needs --replace, which first saves it as a safety dump with a manifest ' +
        '(put it back with --backup safety/<time>); a target with other sessions needs --terminate-connections. ' +
        "Afterwards: ANALYZE, every table's row count against the manifest, and the smoke queries on the target (the manifest's, and --smoke-query). " +
        'An archived backup (GLACIER, DEEP_ARCHIVE) gets its S3 restore started: with --wait it continues once readable, without it exits 3 saying when to come back. ' +
        'Every restore, whatever its result, is recorded under databases/<id>/restores/ (who, from STS; what; where; when; result) and announced on the alert topic.',
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(
      new Option('--target <url>', 'postgresql://user@host:5432/database to restore into (password: PGPASSWORD or --secret-arn)').env(
        TASK_ENV.target,
      ),
    )
    .addOption(new Option('--rds-instance <name>', 'restore into this RDS instance instead of --target').env(TASK_ENV.rdsInstance))
    .addOption(new Option('--secret-arn <arn>', "Secrets Manager secret with the target's username and password").env(TASK_ENV.secretArn))
    .addOption(new Option('--database <name>', 'database name on the RDS instance').env(TASK_ENV.database))
    .addOption(new Option('--backup <choice>', `${BACKUP_CHOICES_RULE} (default: latest)`).env(TASK_ENV.backup))
    .addOption(
      new Option('--at <iso-time>', 'the newest complete backup taken at or before this time, e.g. 2026-11-22T03:00:00Z').env(TASK_ENV.at),
    )
    .addOption(
      new Option('--replace', 'overwrite a target that holds tables, after a safety dump of it (with a manifest) to the bucket').env(
        TASK_ENV.replace,
      ),
    )
    .addOption(
      new Option(
        '--terminate-connections',
        'end the other sessions on the target first (pg_terminate_backend: needs pg_signal_backend); without it a target with sessions is refused',
      ).env(TASK_ENV.terminateConnections),
    )
    .addOption(
      new Option('--allow-unverified', 'restore a backup whose newest verification failed, or that was never verified').env(
        TASK_ENV.allowUnverified,
      ),
    )
    .addOption(
      commonOptions.smokeQueries(
        "SQL run on the target after the restore, besides the manifest's smoke queries; each must return a true / non-zero first value",
      ),
    )
    .addOption(new Option('--with-roles', 'recreate the stored roles and memberships first (for a fresh server)').env(TASK_ENV.withRoles))
    .addOption(new Option('--no-owner', 'do not restore ownership: every object belongs to the connecting user').env(TASK_ENV.noOwner))
    .addOption(new Option('-y, --yes', 'do not ask for confirmation (required without a terminal)').env(TASK_ENV.yes))
    .addOption(
      new Option(
        '--alert-topic-arn <arn>',
        "SNS topic told of the restore (default: <app>-alerts beside the bucket, from the bucket's name <app>-backups-<account>-<region>)",
      ).env(TASK_ENV.alertTopicArn),
    )
    .addOption(commonOptions.restoreTier())
    .addOption(commonOptions.wait())
    .addOption(commonOptions.pollSeconds())
    .addOption(commonOptions.kmsKeyId())
    .addOption(commonOptions.workDir())
    .addOption(commonOptions.parallelJobs())
    .addOption(new Option('--json', 'print the audit record as JSON on stdout').env(TASK_ENV.json))
    .action(async (flags: RestoreFlags) => {
      // Before anything is read: a script that did not say --yes never restores.
      const interactive = Boolean(process.stdin.isTTY);
      if (!interactive && !flags.yes) {
        throw new RestoreRefusedError(
          'restore asks a person to confirm, and stdin is not a terminal: pass --yes (or PG_BACKUP_YES=1) to restore without asking; nothing was read or changed',
        );
      }
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
      const identity = await callerIdentity();
      const alertTopicArn = alertTopicFor(flags.bucket, flags.alertTopicArn, partitionOf(identity.arn));
      if (!alertTopicArn) {
        throw new PgBackupError(
          `--bucket (${flags.bucket}) is not named <app>-backups-<account>-<region>, so the alert topic to tell of this restore is unknown: pass --alert-topic-arn; nothing was changed`,
        );
      }
      // The bucket refuses uploads that do not name its key: the safety dump and the record name it.
      const kmsKeyId = await writeKeyOf(s3, flags.bucket, flags.kmsKeyId);
      reporter.event('restoring as', { arn: identity.arn, alertTopic: alertTopicArn });

      const retrieval = archiveRetrievalOf(flags, reporter);
      const manifest = await readingArchived(s3, flags.bucket, retrieval, () => resolveBackup(s3, flags.bucket, flags.dbId, choice));
      reporter.event('backup chosen', {
        backup: manifest.safetyDumpOf ? `safety/${manifest.backupId}` : manifest.backupId,
        takenAt: manifest.startedAt,
        tables: manifest.tables.length,
        storedBytes: manifest.dump.storedBytes,
      });
      // An archived backup is made readable (or its restore started) before anything else happens.
      await makeReadable(s3, flags.bucket, [manifest.dump, ...(flags.withRoles && manifest.globals ? [manifest.globals] : [])], retrieval);

      const { result, record, recordKey } = await recordedRestore({
        s3,
        bucket: flags.bucket,
        manifest,
        target,
        replace: flags.replace,
        terminateConnections: flags.terminateConnections,
        allowUnverified: flags.allowUnverified,
        withRoles: flags.withRoles,
        noOwner: !flags.owner,
        smokeQueries: [...new Set([...(manifest.smokeQueries ?? []), ...(flags.smokeQuery ?? [])])],
        confirm: (plan) => (flags.yes ? Promise.resolve(true) : askOnTerminal(plan)),
        reporter,
        identity,
        alertTopicArn,
        pgBackupVersion: packageJson.version,
        ...(kmsKeyId ? { kmsKeyId } : {}),
        ...(flags.workDir ? { workDir: flags.workDir } : {}),
        ...(flags.jobs ? { parallelJobs: flags.jobs } : {}),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...record, recordKey }, null, 2)}\n`);
        return;
      }
      const passed = result.smokeQueries.length;
      process.stdout.write(
        `restored ${result.backup} into ${result.target} in ${result.restoreSeconds.toFixed(1)} s: ${result.tables} tables, ${result.rows} rows, all matching the manifest` +
          `${passed > 0 ? `; ${passed} smoke quer${passed === 1 ? 'y' : 'ies'} passed` : '; no smoke queries (none in the manifest, none given)'}` +
          `${result.terminatedSessions > 0 ? `; ended ${result.terminatedSessions} other session(s) first` : ''}` +
          `${result.safetyDump ? `; the previous content is saved at s3://${flags.bucket}/${result.safetyDump.dump.key} (put it back: --backup safety/${result.safetyDump.backupId} --replace)` : ''}` +
          `; recorded at s3://${flags.bucket}/${recordKey}\n`,
      );
    });
}

async function askOnTerminal(plan: RestorePlan): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const overwrite =
      plan.existingTables.length > 0 ? ` OVERWRITING its ${plan.existingTables.length} table(s) (a safety dump is taken first)` : '';
    const sessions =
      plan.otherSessions.length > 0
        ? `, ENDING ${plan.otherSessions.length} other session(s) (${describeSessions(plan.otherSessions, 3)})`
        : '';
    const answer = await prompt.question(`Restore ${plan.backup} into ${plan.target}${overwrite}${sessions}? Type "yes" to continue: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}
