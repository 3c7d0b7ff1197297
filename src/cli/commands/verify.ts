import { Command, Option } from 'commander';
import { writeKeyOf } from '../../aws/bucket-key.js';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { makeReadable, readingArchived } from '../../backup/archive-retrieval.js';
import { parseBackupChoice, resolveBackup } from '../../backup/backup-catalog.js';
import { runVerify } from '../../backup/verify.js';
import type { RecoveryTimes } from '../../contract/manifest.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { type ArchiveFlags, archiveRetrievalOf } from '../archive-flags.js';
import { commonOptions } from '../common-options.js';
import { reporterFor } from '../reporters.js';

/** Exit code when the verification ran and the backup failed it (1 is "could not run"). */
export const VERIFY_FAILED_EXIT_CODE = 2;

interface VerifyFlags extends ArchiveFlags {
  dbId: string;
  bucket: string;
  backup?: string;
  smokeQuery?: string[];
  kmsKeyId?: string;
  workDir?: string;
  /** --jobs: parallel pg_restore jobs (commander names the attribute after the flag). */
  jobs?: number;
  json?: boolean;
}

/** `pg-backup verify`: prove a backup restorable and record the verdict. */
export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Prove a backup restorable: download it checking its SHA-256, restore it with pg_restore (one job per core) into a throwaway PostgreSQL, ' +
        "ANALYZE it, compare every table's exact row count with the manifest, run the smoke queries, and store the verdict beside the manifest, " +
        'with the time each step took: their sum is what a recovery from this backup takes (measured against the RTO). ' +
        'An archived backup (GLACIER, DEEP_ARCHIVE) gets its S3 restore started: with --wait it continues once readable, without it exits 3 saying when to come back. ' +
        `Exits ${VERIFY_FAILED_EXIT_CODE} when the backup fails, 1 when verification could not run.`,
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(new Option('--backup <id>', 'backup id, latest or latest-verified').env(TASK_ENV.backup).default('latest'))
    .addOption(commonOptions.smokeQueries('SQL that must succeed on the restored database and return a true / non-zero first value'))
    .addOption(commonOptions.restoreTier())
    .addOption(commonOptions.wait())
    .addOption(commonOptions.pollSeconds())
    .addOption(commonOptions.kmsKeyId())
    .addOption(commonOptions.workDir())
    .addOption(commonOptions.parallelJobs())
    .addOption(new Option('--json', 'print the verification record as JSON on stdout').env(TASK_ENV.json))
    .action(async (flags: VerifyFlags) => {
      const reporter = reporterFor();
      const s3 = s3ClientFromEnvironment();
      const choice = parseBackupChoice(flags.backup, undefined, ['latest', 'latest-verified', 'id']);
      const retrieval = archiveRetrievalOf(flags, reporter);
      const manifest = await readingArchived(s3, flags.bucket, retrieval, () => resolveBackup(s3, flags.bucket, flags.dbId, choice));
      // An archived backup is made readable (or its restore started) before the throwaway cluster starts.
      await makeReadable(s3, flags.bucket, [manifest.dump, ...(manifest.globals ? [manifest.globals] : [])], retrieval);
      const record = await runVerify({
        s3,
        bucket: flags.bucket,
        manifest,
        reporter,
        // The configured queries (the verify task's environment), else those the dump kept in the manifest.
        smokeQueries: flags.smokeQuery ?? manifest.smokeQueries,
        // The bucket refuses uploads that do not name its key: the task is given it, an operator's verify reads it.
        kmsKeyId: await writeKeyOf(s3, flags.bucket, flags.kmsKeyId),
        workDir: flags.workDir,
        parallelJobs: flags.jobs,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else if (record.passed)
        process.stdout.write(
          `backup ${record.backupId} of ${record.databaseId} PASSED: restored in ${record.restoreSeconds?.toFixed(1)} s, ${manifest.tables.length} tables match the manifest\n` +
            (record.recovery ? `a recovery from it takes ${describeRecovery(record.recovery)}\n` : ''),
        );
      else
        process.stdout.write(
          `backup ${record.backupId} of ${record.databaseId} FAILED:\n${record.mismatches.map((m) => `  - ${m}`).join('\n')}\n`,
        );
      process.exitCode = record.passed ? 0 : VERIFY_FAILED_EXIT_CODE;
    });
}

/** `41.2 s (download and checksum 12.0 s, roles 0.1 s, pg_restore 25.3 s, ANALYZE 2.1 s, row counts 1.6 s, smoke queries 0.1 s)`. */
function describeRecovery(recovery: RecoveryTimes): string {
  const steps: [string, number | undefined][] = [
    ['download and checksum', recovery.downloadSeconds],
    ['roles', recovery.rolesSeconds],
    ['pg_restore', recovery.restoreSeconds],
    ['ANALYZE', recovery.analyzeSeconds],
    ['row counts', recovery.countSeconds],
    ['smoke queries', recovery.smokeQueriesSeconds],
  ];
  const parts = steps.filter(([, seconds]) => seconds !== undefined).map(([name, seconds]) => `${name} ${seconds!.toFixed(1)} s`);
  return `${recovery.totalSeconds.toFixed(1)} s (${parts.join(', ')})`;
}
