import { Command, Option } from 'commander';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { type BackupListing, type DatabaseCatalog, listCatalog, type SafetyDumpListing } from '../../backup/list-backups.js';
import { describeRestore } from '../../backup/restore-records.js';
import { formatBytes } from '../../contract/freshness/duration.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { commonOptions, parsePositiveInteger } from '../common-options.js';

interface ListFlags {
  dbId: string;
  bucket: string;
  limit: number;
  json?: boolean;
}

/** `pg-backup list`: the backups of one database, newest first, its safety dumps and its last restore. */
export function listCommand(): Command {
  return new Command('list')
    .description(
      'List the backups of one database, newest first: time, size, checksum, retention tier (daily, weekly, monthly), storage class (GLACIER and DEEP_ARCHIVE need an S3 restore first: ' +
        'pg-backup restore starts it), when the lifecycle expires it and until when Object Lock keeps it, and verification status. ' +
        'Incomplete dumps (no manifest) show as INCOMPLETE. Then the safety dumps restore --replace took (put one back with --backup safety/<time>), ' +
        'and the last restore (who, what, where, result). Reads no dump: a viewer may run it.',
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(new Option('--limit <n>', 'how many of the newest backups').env(TASK_ENV.limit).default(30).argParser(parsePositiveInteger))
    .addOption(
      new Option('--json', 'print {"databaseId", "bucket", "backups": [...], "safetyDumps": [...], "lastRestore"} on stdout').env(
        TASK_ENV.json,
      ),
    )
    .action(async (flags: ListFlags) => {
      const catalog = await listCatalog(s3ClientFromEnvironment(), flags.bucket, flags.dbId, flags.limit);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ databaseId: flags.dbId, bucket: flags.bucket, ...catalog }, null, 2)}\n`);
        return;
      }
      process.stdout.write(renderCatalog(flags, catalog));
    });
}

function renderCatalog(flags: ListFlags, catalog: DatabaseCatalog): string {
  const parts: string[] = [];
  parts.push(catalog.backups.length === 0 ? `no backups of ${flags.dbId} in s3://${flags.bucket}\n` : renderBackups(catalog.backups));
  if (catalog.safetyDumps.length > 0)
    parts.push(`\nsafety dumps (restore --backup <it> --replace puts one back):\n${renderSafetyDumps(catalog.safetyDumps)}`);
  parts.push(`\nlast restore: ${catalog.lastRestore ? describeRestore(catalog.lastRestore) : 'none recorded'}\n`);
  const notes = catalog.backups.flatMap((b) => (b.storage?.expiryUnknown ? [`${b.backupId}: expiry ${b.storage.expiryUnknown}`] : []));
  const sources = [
    ...new Set(
      catalog.backups.flatMap((b) => [b.storage?.expires?.source, b.storage?.lockedUntil?.source].filter((s): s is string => !!s)),
    ),
  ];
  if (sources.length > 0)
    parts.push(
      `(EXPIRES from ${sources.filter((s) => s.startsWith('lifecycle')).join(', ') || 'no lifecycle rule'}; LOCKED UNTIL from ${sources.find((s) => s.startsWith('Object Lock')) ?? 'no Object Lock default'})\n`,
    );
  for (const note of notes) parts.push(`note: ${note}\n`);
  return parts.join('');
}

function renderBackups(backups: readonly BackupListing[]): string {
  const header = ['BACKUP ID', 'TAKEN AT (UTC)', 'STORED', 'DUMPED', 'SHA-256', 'TIER', 'CLASS', 'EXPIRES', 'LOCKED UNTIL', 'VERIFIED'];
  const rows = backups.map((b) => [
    b.backupId,
    day(b.takenAt, 19),
    b.complete ? (b.storedBytes !== undefined ? formatBytes(b.storedBytes) : `manifest archived (${b.manifestArchived})`) : 'INCOMPLETE',
    b.complete && b.rawBytes !== undefined ? formatBytes(b.rawBytes) : '-',
    b.sha256 ? `${b.sha256.slice(0, 12)}…` : '-',
    b.retentionTier ?? '-',
    b.storage ? `${b.storage.storageClass}${b.storage.archived ? ' (archived)' : ''}` : '-',
    b.storage?.expires ? day(b.storage.expires.at, 10) : '-',
    b.storage?.lockedUntil ? day(b.storage.lockedUntil.at, 10) : '-',
    b.verification ? `${b.verification.passed ? 'passed' : 'FAILED'} ${day(b.verification.verifiedAt, 16)}` : 'not verified',
  ]);
  return table(header, rows);
}

function renderSafetyDumps(dumps: readonly SafetyDumpListing[]): string {
  const header = ['SAFETY DUMP', 'TAKEN AT (UTC)', 'STORED', 'OF TARGET', 'BEFORE RESTORING'];
  const rows = dumps.map((d) => [
    d.backup,
    day(d.takenAt, 19),
    d.complete ? formatBytes(d.storedBytes ?? 0) : 'NO MANIFEST',
    d.target ?? '-',
    d.restoreOf ?? '-',
  ]);
  return table(header, rows);
}

function day(iso: string, length: number): string {
  return iso.replace('T', ' ').slice(0, length);
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
