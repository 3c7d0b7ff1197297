import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { makeReadable, readingArchived } from '../../backup/archive-retrieval.js';
import { BACKUP_CHOICES_RULE, parseBackupChoice, resolveBackup } from '../../backup/backup-catalog.js';
import { downloadBackup } from '../../backup/download-backup.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { type ArchiveFlags, archiveRetrievalOf } from '../archive-flags.js';
import { commonOptions } from '../common-options.js';
import { reporterFor } from '../reporters.js';

interface DownloadFlags extends ArchiveFlags {
  dbId: string;
  bucket: string;
  backup?: string;
  at?: string;
  output: string;
  globalsOutput?: string;
  force?: boolean;
  json?: boolean;
}

/** `pg-backup download`: a backup as local files, checked, for pg_restore by hand. */
export function downloadCommand(): Command {
  return new Command('download')
    .description(
      "Write a backup to local files for pg_restore by hand: the dump (pg_dump's custom format, decompressed) and the roles (SQL for psql), " +
        "each checked against the manifest's SHA-256 while it streams. Refuses to replace an existing file unless --force; a failed download leaves no file. " +
        'An archived backup (GLACIER, DEEP_ARCHIVE) gets its S3 restore started: with --wait it continues once readable, without it exits 3 saying when to come back.',
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(new Option('--backup <choice>', `${BACKUP_CHOICES_RULE} (default: latest)`).env(TASK_ENV.backup))
    .addOption(new Option('--at <iso-time>', 'the newest complete backup taken at or before this time').env(TASK_ENV.at))
    .addOption(
      new Option('--output <file>', "where the dump goes (pg_dump's custom format: pg_restore reads it)")
        .env(TASK_ENV.output)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--globals-output <file>', 'where the roles go (default: beside --output, orders.pgdump -> orders.globals.sql)'))
    .addOption(new Option('--force', 'replace files that exist').env(TASK_ENV.force))
    .addOption(commonOptions.restoreTier())
    .addOption(commonOptions.wait())
    .addOption(commonOptions.pollSeconds())
    .addOption(new Option('--json', 'print {"backup", "dump", "globals"} as JSON on stdout').env(TASK_ENV.json))
    .action(async (flags: DownloadFlags) => {
      const reporter = reporterFor();
      const s3 = s3ClientFromEnvironment();
      const choice = parseBackupChoice(flags.backup, flags.at);
      const retrieval = archiveRetrievalOf(flags, reporter);
      const manifest = await readingArchived(s3, flags.bucket, retrieval, () => resolveBackup(s3, flags.bucket, flags.dbId, choice));
      await makeReadable(s3, flags.bucket, [manifest.dump, ...(manifest.globals ? [manifest.globals] : [])], retrieval);
      const result = await downloadBackup({
        s3,
        bucket: flags.bucket,
        manifest,
        output: resolve(flags.output),
        ...(flags.globalsOutput ? { globalsOutput: resolve(flags.globalsOutput) } : {}),
        force: flags.force,
        reporter,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `downloaded ${result.backup} of ${flags.dbId}: ${result.dump.path} (${result.dump.bytes} bytes, SHA-256 of the stored object checked)` +
          `${result.globals ? ` and its roles ${result.globals.path}` : ''}\n` +
          `  restore by hand: ${result.globals ? `psql -d postgres -f ${result.globals.path}   # roles (errors for existing ones are harmless)\n                   ` : ''}` +
          `pg_restore --dbname=postgresql://USER@HOST:5432/DATABASE --jobs=4 --exit-on-error ${result.dump.path}\n`,
      );
    });
}
