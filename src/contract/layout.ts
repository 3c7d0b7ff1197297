/**
 * Where everything lives in the backup bucket. The CLI, the freshness Lambda and the CDK IAM grants
 * all read these functions, so the layout cannot drift between the code that writes and the policy
 * that allows it.
 *
 *   databases/<dbId>/backups/<backupId>/dump.pgdump.zst       pg_dump custom format, zstd-compressed
 *   databases/<dbId>/backups/<backupId>/globals.sql.zst       roles and memberships (pg_dumpall --globals-only)
 *   databases/<dbId>/backups/<backupId>/manifest.json         written after the dump object is complete
 *   databases/<dbId>/backups/<backupId>/verifications/<time>.json   one per `pg-backup verify` of this backup
 *                                                             (verification.json: the one record of earlier versions)
 *   databases/<dbId>/latest.json                              pointer to the newest complete backup (+ recent history)
 *   databases/<dbId>/latest-verification.json                 the newest verification record
 *   databases/<dbId>/safety/<timestamp>/dump.pgdump.zst       what `restore --replace` saved of the target first
 *   databases/<dbId>/safety/<timestamp>/manifest.json         its manifest (row counts, checksum): `restore --backup safety/<timestamp>`
 *   databases/<dbId>/restores/<time>.json                     the audit record of one `pg-backup restore` (who, what, where, result)
 *
 * History is create-only: every object is written with `If-None-Match: *`, except the two pointers, which are
 * replaced only as read (`If-Match`); the bucket policy refuses any other write. With versioning and Object
 * Lock every earlier version of the pointers stays too.
 */

import { PgBackupError } from '../errors.js';

const ROOT = 'databases';

/** Database ids are used in S3 keys, IAM ARNs, metric dimensions and CloudFormation ids. */
export const DATABASE_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
/** DATABASE_ID_PATTERN in words, for every message that refuses an id (config, CLI flags). */
export const DATABASE_ID_RULE = '1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen';

/** Backup ids sort lexically in time order: 20261122T233000Z (UTC, second precision) plus a short suffix. */
export const BACKUP_ID_PATTERN = /^\d{8}T\d{6}Z(?:-[a-z0-9]{4,8})?$/;

/** `databases/`: where every database's folder is (one delimiter listing names them all). */
export function allDatabasesPrefix(): string {
  return `${ROOT}/`;
}

export function databasePrefix(databaseId: string): string {
  return `${ROOT}/${databaseId}/`;
}

export function backupsPrefix(databaseId: string): string {
  return `${databasePrefix(databaseId)}backups/`;
}

export function backupPrefix(databaseId: string, backupId: string): string {
  return `${backupsPrefix(databaseId)}${backupId}/`;
}

export function dumpKey(databaseId: string, backupId: string): string {
  return `${backupPrefix(databaseId, backupId)}dump.pgdump.zst`;
}

export function globalsKey(databaseId: string, backupId: string): string {
  return `${backupPrefix(databaseId, backupId)}globals.sql.zst`;
}

export function manifestKey(databaseId: string, backupId: string): string {
  return `${backupPrefix(databaseId, backupId)}manifest.json`;
}

/** Where the verifications of one backup are: one record per run, named by its time, so each is create-only. */
export function verificationsPrefix(databaseId: string, backupId: string): string {
  return `${backupPrefix(databaseId, backupId)}verifications/`;
}

/** The record of one verification of a backup, named by when it ran (millisecond precision, sorts in time order). */
export function verificationKey(databaseId: string, backupId: string, verifiedAt: Date): string {
  return `${verificationsPrefix(databaseId, backupId)}${recordStamp(verifiedAt)}.json`;
}

/** The one verification record earlier versions kept beside a backup; read when no newer record exists. */
export function legacyVerificationKey(databaseId: string, backupId: string): string {
  return `${backupPrefix(databaseId, backupId)}verification.json`;
}

/** `20261125T020000.123Z`: a time in a key, sorting as it reads. */
export function recordStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

export function latestPointerKey(databaseId: string): string {
  return `${databasePrefix(databaseId)}latest.json`;
}

/** The common prefix of the two pointer documents: one listing finds both (or neither, before the first backup). */
export function pointersPrefix(databaseId: string): string {
  return `${databasePrefix(databaseId)}latest`;
}

export function latestVerificationKey(databaseId: string): string {
  return `${databasePrefix(databaseId)}latest-verification.json`;
}

/** Where `restore --replace` keeps what it saved of each target before overwriting it. */
export function safetyDumpsPrefix(databaseId: string): string {
  return `${databasePrefix(databaseId)}safety/`;
}

export function safetyDumpKey(databaseId: string, timestamp: string): string {
  return `${safetyDumpsPrefix(databaseId)}${timestamp}/dump.pgdump.zst`;
}

/** The manifest of a safety dump: what `restore --backup safety/<timestamp>` reads to put it back. */
export function safetyManifestKey(databaseId: string, timestamp: string): string {
  return `${safetyDumpsPrefix(databaseId)}${timestamp}/manifest.json`;
}

/** How a safety dump is named where a backup id goes: `--backup safety/20261125T030000Z`. */
export const SAFETY_DUMP_PREFIX = 'safety/';

/** Safety dumps are named by the second they were taken: `20261125T030000Z`. */
export const SAFETY_DUMP_ID_PATTERN = /^\d{8}T\d{6}Z$/;

/** Where the audit records of the restores of a database are (one per restore, create-only). */
export function restoreRecordsPrefix(databaseId: string): string {
  return `${databasePrefix(databaseId)}restores/`;
}

/** The audit record of one restore, named by when it started (millisecond precision, sorts in time order). */
export function restoreRecordKey(databaseId: string, startedAt: Date): string {
  return `${restoreRecordsPrefix(databaseId)}${recordStamp(startedAt)}.json`;
}

/**
 * Object-key patterns (S3 ARN resource suffixes, `*` wildcards) for IAM grants.
 * `verificationRecords` is the only thing the verify task may write.
 */
export const grantPatterns = {
  databaseObjects: (databaseId: string) => `${databasePrefix(databaseId)}*`,
  verificationRecords: (databaseId: string) => [`${backupsPrefix(databaseId)}*/verifications/*`, latestVerificationKey(databaseId)],
  /** What a restore writes: the safety dump of the target (and its manifest), and its audit record. */
  restoreWrites: (databaseId: string) => [`${safetyDumpsPrefix(databaseId)}*`, `${restoreRecordsPrefix(databaseId)}*`],
  /**
   * The catalog: every document that describes backups, never a backup's data (dumps, roles, safety dumps).
   * What `list` and `status` read.
   */
  catalogDocuments: (databaseId: string) => [
    `${pointersPrefix(databaseId)}*`,
    manifestKey(databaseId, '*'),
    `${backupsPrefix(databaseId)}*/verification*`,
    `${restoreRecordsPrefix(databaseId)}*`,
    safetyManifestKey(databaseId, '*'),
  ],
} as const;

/** A new backup id for a dump that starts at `date`. */
export function newBackupId(date: Date, suffix: string): string {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${suffix}`;
}

/** The start time encoded in a backup id. */
export function backupIdTime(backupId: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(backupId);
  if (!match) throw new PgBackupError(`${JSON.stringify(backupId)} is not a backup id like 20261122T030000Z-a1b2c3`);
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}
