import { Command, Option } from 'commander';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { type BackupListing, listBackups } from '../../backup/list-backups.js';
import { formatBytes } from '../../contract/freshness/duration.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { commonOptions, parsePositiveInteger } from '../common-options.js';

interface ListFlags {
  dbId: string;
  bucket: string;
  limit: number;
  json?: boolean;
}

/** `pg-backup list`: the backups of one database, newest first. */
export function listCommand(): Command {
  return new Command('list')
    .description(
      'List the backups of one database, newest first: time, size, checksum and verification status. Incomplete dumps (no manifest) show as INCOMPLETE.',
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(new Option('--limit <n>', 'how many of the newest backups').env(TASK_ENV.limit).default(30).argParser(parsePositiveInteger))
    .addOption(new Option('--json', 'print {"databaseId", "bucket", "backups": [...]} on stdout').env(TASK_ENV.json))
    .action(async (flags: ListFlags) => {
      const backups = await listBackups(s3ClientFromEnvironment(), flags.bucket, flags.dbId, flags.limit);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ databaseId: flags.dbId, bucket: flags.bucket, backups }, null, 2)}\n`);
        return;
      }
      if (backups.length === 0) {
        process.stdout.write(`no backups of ${flags.dbId} in s3://${flags.bucket}\n`);
        return;
      }
      process.stdout.write(renderTable(backups));
    });
}

function renderTable(backups: readonly BackupListing[]): string {
  const header = ['BACKUP ID', 'TAKEN AT (UTC)', 'STORED', 'DUMPED', 'SHA-256', 'VERIFIED'];
  const rows = backups.map((b) => [
    b.backupId,
    b.takenAt.replace('T', ' ').replace(/\.\d+Z$/, ''),
    b.complete ? formatBytes(b.storedBytes ?? 0) : 'INCOMPLETE',
    b.complete ? formatBytes(b.rawBytes ?? 0) : '-',
    b.sha256 ? `${b.sha256.slice(0, 12)}…` : '-',
    b.verification
      ? `${b.verification.passed ? 'passed' : 'FAILED'} ${b.verification.verifiedAt.slice(0, 16).replace('T', ' ')}`
      : 'not verified',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return `${[header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
