import { Command, Option } from 'commander';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { describeRestore, lastRestore } from '../../backup/restore-records.js';
import { checkDatabases } from '../../contract/freshness/check.js';
import { formatBytes, formatDuration, parseDuration, parseTolerance } from '../../contract/freshness/duration.js';
import type { DatabaseStatus } from '../../contract/freshness/evaluate.js';
import { DEFAULT_LIMITS_TEXT, type FreshnessLimits } from '../../contract/freshness/limits.js';
import { listDatabaseIds } from '../../contract/freshness/pointers.js';
import { withRecoveryTime } from '../../contract/freshness/recovery-time.js';
import { DATABASE_ID_PATTERN, DATABASE_ID_RULE } from '../../contract/layout.js';
import type { RestoreRecord } from '../../contract/manifest.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { PgBackupError } from '../../errors.js';

/** Exit code when the check ran and a limit is broken (1 is left for "could not check"). */
export const LIMIT_BROKEN_EXIT_CODE = 2;

interface StatusOptions {
  bucket: string;
  dbId?: string[];
  json?: boolean;
  maxAge: string;
  maxVerifyAge: string;
  sizeTolerance: string;
  replicaBucket?: string;
  replicaRegion?: string;
  maxReplicaLag: string;
  rto?: string;
}

/** The freshness check's default (lib/config/replication-config.ts REPLICATION_DEFAULTS). */
const DEFAULT_MAX_REPLICA_LAG = '3h';

/** `pg-backup status`: the same judgement the freshness Lambda makes, on demand. */
export function statusCommand(): Command {
  return new Command('status')
    .description(
      'Per database: the age of the newest backup, the newest verification and its result, how long its recovery took (against --rto when given), the size against the median of the previous seven, and the last restore. ' +
        `Exits ${LIMIT_BROKEN_EXIT_CODE} naming the database when any limit is broken, 1 when the check itself failed.`,
    )
    .addOption(new Option('--bucket <name>', 'backup bucket').env(TASK_ENV.bucket).makeOptionMandatory())
    .addOption(
      new Option('--db-id <id>', 'database to check (repeatable); default: every database in the bucket')
        .env(TASK_ENV.databaseId)
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(new Option('--json', 'print one JSON document instead of text').env(TASK_ENV.json))
    .addOption(
      new Option(
        '--replica-bucket <name>',
        "also check that each backup's dump is in this replica bucket (the vault's, or the replica region's) at its full size",
      ),
    )
    .addOption(new Option('--replica-region <region>', "the replica bucket's region (default: AWS_REGION)"))
    .addOption(
      new Option('--max-replica-lag <duration>', 'a backup may be this long without its copy in the replica').default(
        DEFAULT_MAX_REPLICA_LAG,
      ),
    )
    .addOption(
      new Option(
        '--rto <duration>',
        "the recovery time objective: broken when the newest passed verification's whole recovery (download to smoke queries) took longer",
      ),
    )
    .addOption(
      new Option('--max-age <duration>', 'newest backup may be at most this old (45s, 90m, 26h, 8d)')
        .env(TASK_ENV.maxAge)
        .default(DEFAULT_LIMITS_TEXT.maxBackupAge),
    )
    .addOption(
      new Option('--max-verify-age <duration>', 'newest verification may be at most this old')
        .env(TASK_ENV.maxVerifyAge)
        .default(DEFAULT_LIMITS_TEXT.maxVerificationAge),
    )
    .addOption(
      new Option('--size-tolerance <percent>', 'allowed size difference from the median of the previous backups')
        .env(TASK_ENV.sizeTolerance)
        .default(DEFAULT_LIMITS_TEXT.sizeTolerance),
    )
    .action(async (options: StatusOptions) => {
      process.exitCode = await runStatus(options);
    });
}

async function runStatus(options: StatusOptions): Promise<number> {
  const { limits, rtoSeconds } = parseFlags(options);
  const s3 = s3ClientFromEnvironment();
  const databaseIds = options.dbId?.length ? options.dbId : await listDatabaseIds(s3, options.bucket);
  if (databaseIds.length === 0) {
    const message = `no database has any backup in s3://${options.bucket} (nothing under databases/)`;
    if (options.json)
      process.stdout.write(`${JSON.stringify({ ok: false, bucket: options.bucket, databases: [], error: message }, null, 2)}\n`);
    process.stderr.write(`pg-backup status: ${message}\n`);
    return LIMIT_BROKEN_EXIT_CODE;
  }
  const replica = options.replicaBucket
    ? {
        s3: s3ClientFromEnvironment(process.env, options.replicaRegion),
        bucket: options.replicaBucket,
        maxLagSeconds: parseDuration(options.maxReplicaLag, '--max-replica-lag'),
      }
    : undefined;
  const judged = await checkDatabases(
    s3,
    options.bucket,
    databaseIds.map((databaseId) => ({ databaseId, limits })),
    new Date(),
    replica,
  );
  // The freshness check's RTO judgement (contract/freshness/recovery-time.ts), when the operator names the target.
  const checked = rtoSeconds === undefined ? judged : judged.map((status) => withRecoveryTime(status, rtoSeconds));
  // The last restore of each database (its audit record): not a limit, but the first thing on-call asks after one.
  const statuses = await Promise.all(
    checked.map(async (status) => {
      const restore = await lastRestore(s3, options.bucket, status.databaseId);
      return { ...status, lastRestore: restore ? { ...restore.record, recordKey: restore.key } : null };
    }),
  );
  const broken = statuses.filter((s) => !s.ok);

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: broken.length === 0, bucket: options.bucket, databases: statuses }, null, 2)}\n`);
  } else {
    process.stdout.write(renderTable(statuses));
  }
  for (const status of broken) {
    process.stderr.write(`pg-backup status: ${status.databaseId}: ${status.problems.map((p) => p.summary).join('; ')}\n`);
  }
  return broken.length > 0 ? LIMIT_BROKEN_EXIT_CODE : 0;
}

/** Every bad flag at once, each named and echoed. */
function parseFlags(options: StatusOptions): { limits: FreshnessLimits; rtoSeconds?: number } {
  const problems: string[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };
  const maxBackupAgeSeconds = attempt(() => parseDuration(options.maxAge, '--max-age'));
  const maxVerificationAgeSeconds = attempt(() => parseDuration(options.maxVerifyAge, '--max-verify-age'));
  const sizeTolerance = attempt(() => parseTolerance(options.sizeTolerance, '--size-tolerance'));
  attempt(() => parseDuration(options.maxReplicaLag, '--max-replica-lag'));
  const rtoSeconds = options.rto === undefined ? undefined : attempt(() => parseDuration(options.rto!, '--rto'));
  for (const id of options.dbId ?? []) {
    if (!DATABASE_ID_PATTERN.test(id)) problems.push(`--db-id (${JSON.stringify(id)}) must be ${DATABASE_ID_RULE}`);
  }
  if (problems.length > 0) throw new PgBackupError(problems.join('; '));
  return {
    limits: {
      maxBackupAgeSeconds: maxBackupAgeSeconds!,
      maxVerificationAgeSeconds: maxVerificationAgeSeconds!,
      sizeTolerance: sizeTolerance!,
    },
    ...(rtoSeconds !== undefined ? { rtoSeconds } : {}),
  };
}

function renderTable(statuses: readonly (DatabaseStatus & { lastRestore: RestoreRecord | null })[]): string {
  const width = Math.max(...statuses.map((s) => s.databaseId.length), 8);
  const lines = statuses.map((s) => {
    const facts: string[] = [];
    if (s.backup)
      facts.push(`newest backup ${formatDuration(s.backup.ageSeconds)} old (${s.backup.backupId}, ${formatBytes(s.backup.storedBytes)})`);
    if (s.size)
      facts.push(`size ${s.size.deviation >= 0 ? '+' : ''}${Math.round(s.size.deviation * 100)}% vs median of ${s.size.baselineCount}`);
    if (s.verification)
      facts.push(`verified ${formatDuration(s.verification.ageSeconds)} ago: ${s.verification.passed ? 'passed' : 'FAILED'}`);
    // The answer to "how long will a restore take?": what the newest passed verification measured.
    if (s.verification?.passed && s.verification.recoverySeconds !== undefined)
      facts.push(`a recovery takes ${formatDuration(s.verification.recoverySeconds)}`);
    else if (s.backup) facts.push('not verified yet');
    if (s.replica) {
      facts.push(
        s.replica.lagSeconds === 0
          ? 'copied to the replica'
          : `replica ${formatDuration(s.replica.lagSeconds)} behind (${s.replica.missingBackupIds.length} backup(s) without a complete copy)`,
      );
    }
    const head = `${s.databaseId.padEnd(width)}  ${s.ok ? 'OK    ' : 'FAILED'}  `;
    const problems = s.problems.map((p) => `\n${' '.repeat(width + 10)}! ${p.summary}`).join('');
    const restored = s.lastRestore ? `\n${' '.repeat(width + 10)}last restore ${describeRestore(s.lastRestore)}` : '';
    return `${head}${facts.join('; ') || '-'}${problems}${restored}`;
  });
  return `${lines.join('\n')}\n`;
}
