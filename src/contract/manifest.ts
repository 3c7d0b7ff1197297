import * as v from 'valibot';
import { PgBackupError } from '../errors.js';
import { BACKUP_ID_PATTERN, DATABASE_ID_PATTERN, DATABASE_ID_RULE } from './layout.js';
import { RETENTION_TIERS } from './retention-tiers.js';

/**
 * The JSON documents the CLI writes beside each dump, read back by verify, restore, list, status
 * and the freshness Lambda: one valibot schema each, and the types are what the schemas accept.
 * Every read goes through parseStoredDocument (src/aws/s3-json.ts getJson), so a damaged or foreign
 * document fails with its key and the field, never as a misread.
 *
 * Bump SCHEMA_VERSION on an incompatible change; readers refuse versions they do not know rather
 * than misread them. Members a reader does not know are accepted and dropped: a later pg-backup may
 * add an optional member without a version bump, and the backups it wrote must stay readable here.
 */
export const SCHEMA_VERSION = 1;

// The building blocks, each with the words of its requirement: "`<field>` must be a number, got "12"".
const text = v.string('must be a string');
const number = v.number('must be a number');
const count = v.pipe(number, v.integer('must be a whole number'), v.minValue(0, 'must not be negative'));
const seconds = v.pipe(number, v.minValue(0, 'must not be negative'));
const flag = v.boolean('must be true or false');
const time = v.pipe(
  text,
  v.check((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time like 2026-11-22T03:00:00.000Z'),
);
const databaseId = v.pipe(text, v.regex(DATABASE_ID_PATTERN, `must be a database id: ${DATABASE_ID_RULE}`));
const backupId = v.pipe(text, v.regex(BACKUP_ID_PATTERN, 'must be a backup id like 20261122T030000Z-a1b2c3'));
const sha256 = v.pipe(text, v.regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in 64 lower-case hex digits'));
const schemaVersion = v.literal(SCHEMA_VERSION, `must be ${SCHEMA_VERSION}`);
const list = <T extends v.GenericSchema>(item: T) => v.array(item, 'must be a list');
const record = <T extends v.ObjectEntries>(entries: T) => v.object(entries, 'must be an object');

const tableRowCount = record({
  schema: text,
  table: text,
  /** Exact: the rows of the table's COPY data in the dump itself, counted as the dump streamed past. */
  rows: count,
});
export type TableRowCount = v.InferOutput<typeof tableRowCount>;

const storedObject = record({
  key: text,
  /** S3 version id: the exact version this manifest vouches for. */
  versionId: v.optional(text),
  /** SHA-256 (hex) of the stored (compressed) bytes. */
  sha256,
  storedBytes: count,
});
export type StoredObject = v.InferOutput<typeof storedObject>;

/** databases/<dbId>/backups/<backupId>/manifest.json: what one backup holds and how to check it. */
export const backupManifestSchema = record({
  schemaVersion,
  databaseId,
  backupId,
  /** Where the data came from, without credentials. */
  source: record({ host: text, port: count, database: text, rdsInstance: v.optional(text) }),
  serverVersion: text,
  pgDumpVersion: text,
  /** pg_dump --format=custom, compressed by zstd outside pg_dump. */
  format: v.literal('custom', 'must be "custom"'),
  compression: v.literal('zstd', 'must be "zstd"'),
  startedAt: time,
  finishedAt: time,
  durationSeconds: seconds,
  /** Bytes pg_dump wrote (before compression). */
  rawBytes: count,
  dump: storedObject,
  /** Roles and memberships (`pg_dumpall --globals-only --no-role-passwords`). */
  globals: v.optional(storedObject),
  /**
   * Every table whose rows the dump carries (a TABLE DATA entry of a table the dump defines):
   * ordinary and unlogged tables, and each partition rather than its partitioned parent, empty ones
   * included, with rows counted in the dump's own data, not by querying the source. Not
   * materialized views, whose rows pg_restore recomputes with REFRESH (manifests written before
   * counts came from the dump list populated ones, with their count(*)); not extension-owned
   * tables; not large objects. Verify and restore compare these with the restored database.
   */
  tables: list(tableRowCount),
  /**
   * The database's smoke queries when it was dumped (the dump task's environment, from the stage's config):
   * what `restore` runs on the target afterwards, so an operator needs no copy of the config.
   */
  smokeQueries: v.optional(list(text)),
  /**
   * Set on the manifest of a safety dump (databases/<dbId>/safety/<time>/): what `restore --replace` saved of
   * its target before restoring `restoreOf` over it. `restore --backup safety/<time>` puts it back.
   */
  safetyDumpOf: v.optional(record({ restoreOf: text, target: text })),
  /** The retention tier its objects are tagged with (src/contract/retention-tiers.ts); absent before tiers existed. */
  retentionTier: v.optional(v.picklist(RETENTION_TIERS, `must be one of ${RETENTION_TIERS.join(', ')}`)),
});
export type BackupManifest = v.InferOutput<typeof backupManifestSchema>;

const backupSummaryEntries = { backupId, finishedAt: time, storedBytes: count, durationSeconds: seconds };
/** A short summary of one backup, kept in the latest pointer so status needs no listing. */
const backupSummary = record(backupSummaryEntries);
export type BackupSummary = v.InferOutput<typeof backupSummary>;

/** databases/<dbId>/latest.json: the newest complete backup and the summaries of the ones before it. */
export const latestPointerSchema = record({
  schemaVersion,
  databaseId,
  latest: record({ ...backupSummaryEntries, manifestKey: text, manifestVersionId: v.optional(text) }),
  /** Up to the previous RECENT_HISTORY backups, newest first (the size-anomaly baseline). */
  previous: list(backupSummary),
});
export type LatestPointer = v.InferOutput<typeof latestPointerSchema>;

/** How many earlier backups the pointer remembers: the median of these is the size baseline. */
export const RECENT_HISTORY = 7;

/**
 * How long a recovery from the backup took inside verify, step by step: what a restore onto a server takes (the
 * throwaway cluster's start is left out, a real target is already running). The RTO is measured against `totalSeconds`.
 */
const recoveryTimes = record({
  /** Every step below, one after the other. */
  totalSeconds: seconds,
  /** Download from S3, SHA-256 check and decompression, in one pass. */
  downloadSeconds: seconds,
  /** The stored roles and memberships applied (absent for a backup without them). */
  rolesSeconds: v.optional(seconds),
  /** pg_restore. */
  restoreSeconds: seconds,
  /** ANALYZE of the restored database (a restored database has no planner statistics). */
  analyzeSeconds: seconds,
  /** Exact row counts of every table, compared with the manifest. */
  countSeconds: seconds,
  /** The database's smoke queries. */
  smokeQueriesSeconds: seconds,
});
export type RecoveryTimes = v.InferOutput<typeof recoveryTimes>;

/** verification.json beside the manifest, and databases/<dbId>/latest-verification.json: one verify's verdict. */
export const verificationRecordSchema = record({
  schemaVersion,
  databaseId,
  backupId,
  verifiedAt: time,
  passed: flag,
  checksumOk: flag,
  /** Wall seconds of pg_restore into the throwaway cluster. */
  restoreSeconds: v.optional(seconds),
  /** The whole recovery, step by step; absent in records of earlier versions and when a step failed. */
  recovery: v.optional(recoveryTimes),
  /** Every problem found, each a sentence naming the table, checksum or query. */
  mismatches: list(text),
  smokeQueries: list(record({ sql: text, passed: flag, error: v.optional(text) })),
});
export type VerificationRecord = v.InferOutput<typeof verificationRecordSchema>;

/** How a restore ended: done and checked, failed part-way, or refused by a guard rail before anything changed. */
export const RESTORE_RESULTS = ['succeeded', 'failed', 'refused'] as const;
export type RestoreResultKind = (typeof RESTORE_RESULTS)[number];

/**
 * databases/<dbId>/restores/<time>.json: the audit record of one `pg-backup restore`, whatever its result,
 * written create-only beside the backups. Never a password: the target is user@host:port/database.
 */
export const restoreRecordSchema = record({
  schemaVersion,
  databaseId,
  /** What was restored: a backup id, or `safety/<time>` for a safety dump. */
  backup: text,
  /** Who restored: the caller identity of the credentials used (STS GetCallerIdentity). */
  restoredBy: record({ arn: text, account: text, userId: text }),
  /** Where to: user@host:port/database. */
  target: text,
  /** The bucket the backup was read from (the primary, or the replica in a regional disaster). */
  bucket: text,
  startedAt: time,
  finishedAt: time,
  durationSeconds: seconds,
  result: v.picklist(RESTORE_RESULTS, `must be one of ${RESTORE_RESULTS.join(', ')}`),
  /** Why it failed or was refused. */
  error: v.optional(text),
  /** Whether --replace was given (a target with tables is overwritten after a safety dump). */
  replace: flag,
  /** What the target held before, when it held tables: restore `safety/<time>` to put it back. */
  safetyDump: v.optional(record({ id: text, key: text, manifestKey: text, storedBytes: count })),
  /** Other sessions on the target that --terminate-connections ended. */
  terminatedSessions: v.optional(count),
  /** The backup's newest verification when it was restored; absent when it was never verified. */
  verification: v.optional(record({ passed: flag, verifiedAt: time })),
  /** Whether --allow-unverified let a failed or never verified backup through. */
  allowUnverified: flag,
  /** Seconds of pg_restore. */
  restoreSeconds: v.optional(seconds),
  tables: v.optional(count),
  rows: v.optional(count),
  /** The smoke queries run on the target after the restore. */
  smokeQueries: list(record({ sql: text, passed: flag, error: v.optional(text) })),
  /** The pg-backup version that restored. */
  pgBackupVersion: text,
});
export type RestoreRecord = v.InferOutput<typeof restoreRecordSchema>;

/** A kind of stored document: its schema and the name messages give it. */
export interface StoredDocument<T> {
  readonly name: string;
  readonly schema: v.GenericSchema<unknown, T>;
}

export const STORED_DOCUMENTS = {
  manifest: { name: 'backup manifest', schema: backupManifestSchema },
  latestPointer: { name: 'latest pointer', schema: latestPointerSchema },
  verification: { name: 'verification record', schema: verificationRecordSchema },
  restore: { name: 'restore record', schema: restoreRecordSchema },
} as const satisfies Record<string, StoredDocument<unknown>>;

/** A stored document that is not what its key promises: names where it is and every bad field. */
export class InvalidDocumentError extends PgBackupError {
  constructor(
    /** Like `s3://bucket/databases/orders-db/latest.json`. */
    readonly location: string,
    /** Each like `latest.storedBytes must be a number, got "12"`. */
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`${location}: ${problems.join('; ')}`, options);
  }
}

/**
 * `value` (parsed JSON) as the document `kind`, or an InvalidDocumentError naming `location` and
 * every bad field. The schema version is judged first: a document of another version would otherwise
 * fail field by field.
 */
export function parseStoredDocument<T>(kind: StoredDocument<T>, value: unknown, location: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidDocumentError(location, [`must be a JSON object (a ${kind.name}), got ${describeValue(value)}`]);
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) {
    throw new InvalidDocumentError(location, [`schemaVersion is missing: not a ${kind.name} pg-backup wrote`]);
  }
  if (version !== SCHEMA_VERSION) {
    throw new InvalidDocumentError(location, [
      `schemaVersion ${JSON.stringify(version)} is not one this pg-backup reads (${SCHEMA_VERSION}): written by a newer pg-backup?`,
    ]);
  }
  const result = v.safeParse(kind.schema, value);
  if (!result.success) throw new InvalidDocumentError(location, result.issues.map(describeIssue));
  return result.output;
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const field = (issue.path ?? []).reduce<string>(
    (path, item) => (typeof item.key === 'number' ? `${path}[${item.key}]` : path ? `${path}.${String(item.key)}` : String(item.key)),
    '',
  );
  // JSON has no undefined: the member is absent (reported by its object, or by its own schema).
  if (issue.received === 'undefined') return `${field} is missing`;
  return `${field || 'the document'} ${issue.message}, got ${issue.received}`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : JSON.stringify(value);
}
