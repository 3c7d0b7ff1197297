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

/** Which backup a command works on. */
export type BackupChoice =
  | { readonly kind: 'latest' }
  | { readonly kind: 'id'; readonly backupId: string }
  | { readonly kind: 'at'; readonly time: Date };

/** Parses `--backup latest|ID` and `--at ISO-TIME` (at most one of them). */
export function parseBackupChoice(backup: string | undefined, at: string | undefined): BackupChoice {
  if (backup !== undefined && at !== undefined)
    throw new PgBackupError(`--backup (${backup}) and --at (${at}) pick a backup two ways: give only one`);
  if (at !== undefined) {
    const time = new Date(at);
    if (Number.isNaN(time.getTime())) throw new PgBackupError(`--at (${at}) is not a time: use ISO 8601 like 2026-11-22T03:00:00Z`);
    return { kind: 'at', time };
  }
  if (backup === undefined || backup === 'latest') return { kind: 'latest' };
  if (!BACKUP_ID_PATTERN.test(backup))
    throw new PgBackupError(`--backup (${backup}) is not a backup id like 20261122T030000Z-a1b2c3, nor "latest"`);
  return { kind: 'id', backupId: backup };
}

/**
 * The manifest of the chosen backup. `latest` follows the pointer (never an incomplete backup);
 * `at` picks the newest complete backup whose snapshot was taken at or before that time.
 */
export async function resolveBackup(s3: S3Client, bucket: string, databaseId: string, choice: BackupChoice): Promise<BackupManifest> {
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
