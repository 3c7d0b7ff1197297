import type { S3Client } from '@aws-sdk/client-s3';
import { listFolderNames } from '../aws/s3-folders.js';
import { existingKeys, getJson, objectExists } from '../aws/s3-json.js';
import {
  BACKUP_ID_PATTERN,
  backupIdTime,
  backupsPrefix,
  latestPointerKey,
  legacyVerificationKey,
  manifestKey,
  SAFETY_DUMP_ID_PATTERN,
  SAFETY_DUMP_PREFIX,
  safetyDumpsPrefix,
  safetyManifestKey,
  verificationsPrefix,
} from '../contract/layout.js';
import { type BackupManifest, InvalidDocumentError, STORED_DOCUMENTS, type VerificationRecord } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';

/**
 * Every backup id of a database, newest first. One delimiter listing returns one entry per backup
 * folder (never the objects inside), a page per thousand backups.
 */
export async function listBackupIds(s3: S3Client, bucket: string, databaseId: string): Promise<string[]> {
  const names = await listFolderNames(s3, bucket, backupsPrefix(databaseId));
  return names.filter((id) => BACKUP_ID_PATTERN.test(id)).reverse();
}

/** The manifest of one backup; undefined when the backup never completed (no manifest). */
export async function readManifest(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  backupId: string,
  versionId?: string,
): Promise<BackupManifest | undefined> {
  const key = manifestKey(databaseId, backupId);
  const manifest = await getJson(s3, bucket, key, STORED_DOCUMENTS.manifest, versionId);
  if (manifest && (manifest.databaseId !== databaseId || manifest.backupId !== backupId)) {
    throw new InvalidDocumentError(`s3://${bucket}/${key}`, [
      `describes backup ${manifest.backupId} of ${manifest.databaseId}, not backup ${backupId} of ${databaseId}`,
    ]);
  }
  return manifest;
}

/** The newest verification record stored beside a backup (one listing of its records), if it was verified. */
export async function readVerification(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  backupId: string,
): Promise<VerificationRecord | undefined> {
  const records = [...(await existingKeys(s3, bucket, verificationsPrefix(databaseId, backupId)))]
    .filter((k) => k.endsWith('.json'))
    .sort();
  const newest = records.at(-1);
  if (newest) return getJson(s3, bucket, newest, STORED_DOCUMENTS.verification);
  // A backup verified by an earlier version has its one record beside the manifest.
  const legacy = legacyVerificationKey(databaseId, backupId);
  return (await objectExists(s3, bucket, legacy)) ? getJson(s3, bucket, legacy, STORED_DOCUMENTS.verification) : undefined;
}

/** The safety dumps `restore --replace` took of a database's targets, newest first (their ids, `20261125T030000Z`). */
export async function listSafetyDumpIds(s3: S3Client, bucket: string, databaseId: string): Promise<string[]> {
  const names = await listFolderNames(s3, bucket, safetyDumpsPrefix(databaseId));
  return names.filter((id) => SAFETY_DUMP_ID_PATTERN.test(id)).reverse();
}

/** Which backup a command works on. */
export type BackupChoice =
  | { readonly kind: 'latest' }
  /** The newest backup whose newest verification passed. */
  | { readonly kind: 'latest-verified' }
  | { readonly kind: 'id'; readonly backupId: string }
  | { readonly kind: 'at'; readonly time: Date }
  /** A safety dump `restore --replace` took (databases/<id>/safety/<time>/): the rollback of that restore. */
  | { readonly kind: 'safety'; readonly safetyId: string };

/** Which backups `--backup` accepts, in words. */
export const BACKUP_CHOICES_RULE =
  'a backup id like 20261122T030000Z-a1b2c3, latest, latest-verified, or safety/<time> (a safety dump like safety/20261125T030000Z)';

/**
 * Parses `--backup latest|latest-verified|ID|safety/<time>` and `--at ISO-TIME` (at most one of them).
 * `allowed` limits the kinds (verify proves backups, not safety dumps).
 */
export function parseBackupChoice(
  backup: string | undefined,
  at: string | undefined,
  allowed: readonly BackupChoice['kind'][] = ['latest', 'latest-verified', 'id', 'at', 'safety'],
): BackupChoice {
  if (backup !== undefined && at !== undefined)
    throw new PgBackupError(`--backup (${backup}) and --at (${at}) pick a backup two ways: give only one`);
  const choice = parseChoice(backup, at);
  if (!allowed.includes(choice.kind)) {
    throw new PgBackupError(`--backup (${backup ?? at}) is not something this command works on: it takes ${allowed.join(', ')}`);
  }
  return choice;
}

function parseChoice(backup: string | undefined, at: string | undefined): BackupChoice {
  if (at !== undefined) {
    const time = new Date(at);
    if (Number.isNaN(time.getTime())) throw new PgBackupError(`--at (${at}) is not a time: use ISO 8601 like 2026-11-22T03:00:00Z`);
    return { kind: 'at', time };
  }
  if (backup === undefined || backup === 'latest') return { kind: 'latest' };
  if (backup === 'latest-verified') return { kind: 'latest-verified' };
  if (backup.startsWith(SAFETY_DUMP_PREFIX)) {
    const safetyId = backup.slice(SAFETY_DUMP_PREFIX.length);
    if (!SAFETY_DUMP_ID_PATTERN.test(safetyId))
      throw new PgBackupError(`--backup (${backup}) names no safety dump: use safety/<time> like safety/20261125T030000Z (pg-backup list)`);
    return { kind: 'safety', safetyId };
  }
  if (!BACKUP_ID_PATTERN.test(backup)) throw new PgBackupError(`--backup (${backup}) must be ${BACKUP_CHOICES_RULE}`);
  return { kind: 'id', backupId: backup };
}

/** How a chosen backup is named in messages, records and `--backup`: its id, or safety/<time>. */
export function backupReference(manifest: BackupManifest): string {
  return manifest.safetyDumpOf ? `${SAFETY_DUMP_PREFIX}${manifest.backupId}` : manifest.backupId;
}

/** The manifest of a safety dump; throws when there is none (never taken, or the safety dump never completed). */
export async function readSafetyManifest(s3: S3Client, bucket: string, databaseId: string, safetyId: string): Promise<BackupManifest> {
  const key = safetyManifestKey(databaseId, safetyId);
  const manifest = await getJson(s3, bucket, key, STORED_DOCUMENTS.manifest);
  if (!manifest) {
    throw new PgBackupError(
      `safety dump ${SAFETY_DUMP_PREFIX}${safetyId} of ${databaseId} has no manifest in s3://${bucket} (${key}): it was never taken, did not complete, ` +
        'or was taken by a pg-backup older than safety-dump manifests (then pg_restore its dump.pgdump.zst by hand: pg-backup download cannot check it)',
    );
  }
  if (manifest.databaseId !== databaseId || manifest.backupId !== safetyId || !manifest.safetyDumpOf) {
    throw new InvalidDocumentError(`s3://${bucket}/${key}`, [`does not describe safety dump ${safetyId} of ${databaseId}`]);
  }
  return manifest;
}

/** The newest backup whose newest verification passed, with that verification; undefined when none has. */
export async function newestVerifiedBackup(
  s3: S3Client,
  bucket: string,
  databaseId: string,
): Promise<{ manifest: BackupManifest; verification: VerificationRecord } | undefined> {
  for (const backupId of await listBackupIds(s3, bucket, databaseId)) {
    const verification = await readVerification(s3, bucket, databaseId, backupId);
    if (!verification?.passed) continue;
    const manifest = await readManifest(s3, bucket, databaseId, backupId);
    if (manifest) return { manifest, verification };
  }
  return undefined;
}

/**
 * The manifest of the chosen backup. `latest` follows the pointer (never an incomplete backup);
 * `latest-verified` is the newest backup whose newest verification passed; `at` picks the newest complete
 * backup whose snapshot was taken at or before that time; `safety` a safety dump's manifest.
 */
export async function resolveBackup(s3: S3Client, bucket: string, databaseId: string, choice: BackupChoice): Promise<BackupManifest> {
  if (choice.kind === 'safety') return readSafetyManifest(s3, bucket, databaseId, choice.safetyId);
  if (choice.kind === 'latest-verified') {
    const found = await newestVerifiedBackup(s3, bucket, databaseId);
    if (!found)
      throw new PgBackupError(
        `database ${databaseId} has no backup whose newest verification passed in s3://${bucket}: pg-backup list shows each backup's verification`,
      );
    return found.manifest;
  }
  if (choice.kind === 'latest') {
    const pointer = await getJson(s3, bucket, latestPointerKey(databaseId), STORED_DOCUMENTS.latestPointer);
    if (!pointer)
      throw new PgBackupError(`database ${databaseId} has no complete backup in s3://${bucket} (no ${latestPointerKey(databaseId)})`);
    const manifest = await readManifest(s3, bucket, databaseId, pointer.latest.backupId, pointer.latest.manifestVersionId);
    if (!manifest)
      throw new PgBackupError(`the latest pointer names backup ${pointer.latest.backupId} but its manifest is missing from s3://${bucket}`);
    return manifest;
  }
  if (choice.kind === 'id') {
    const manifest = await readManifest(s3, bucket, databaseId, choice.backupId);
    if (!manifest)
      throw new PgBackupError(
        `backup ${choice.backupId} of ${databaseId} has no manifest in s3://${bucket}: it does not exist or never completed`,
      );
    return manifest;
  }
  const candidates = (await listBackupIds(s3, bucket, databaseId)).filter((id) => backupIdTime(id).getTime() <= choice.time.getTime());
  for (const backupId of candidates) {
    const manifest = await readManifest(s3, bucket, databaseId, backupId);
    if (manifest) return manifest;
  }
  throw new PgBackupError(
    `database ${databaseId} has no complete backup taken at or before ${choice.time.toISOString()} in s3://${bucket}`,
  );
}
