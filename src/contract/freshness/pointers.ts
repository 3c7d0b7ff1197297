import type { S3Client } from '@aws-sdk/client-s3';
import { listFolderNames } from '../../aws/s3-folders.js';
import { existingKeys, getJson } from '../../aws/s3-json.js';
import { allDatabasesPrefix, DATABASE_ID_PATTERN, latestPointerKey, latestVerificationKey, pointersPrefix } from '../layout.js';
import { InvalidDocumentError, type LatestPointer, STORED_DOCUMENTS, type VerificationRecord } from '../manifest.js';
import type { ReplicaCopies } from './replica-copies.js';

/** The two small documents status needs about one database; either may not exist yet. */
export interface DatabasePointers {
  readonly databaseId: string;
  readonly pointer?: LatestPointer;
  readonly verification?: VerificationRecord;
  /** Which of the pointer's backups are in the replica, when the replica is watched. */
  readonly replica?: ReplicaCopies;
}

/**
 * Reads databases/<id>/latest.json and latest-verification.json: one listing and at most two GETs per
 * database, however many backups exist, because the pointer already carries the recent history.
 */
export async function readPointers(s3: S3Client, bucket: string, databaseId: string): Promise<DatabasePointers> {
  // One listing of the two keys' common prefix first: a database without backups is an empty listing, where a
  // GET of a missing key would be a 403 for a caller that may list only these keys (the freshness Lambda).
  const present = await existingKeys(s3, bucket, pointersPrefix(databaseId));
  const [pointer, verification] = await Promise.all([
    present.has(latestPointerKey(databaseId))
      ? getJson(s3, bucket, latestPointerKey(databaseId), STORED_DOCUMENTS.latestPointer)
      : undefined,
    present.has(latestVerificationKey(databaseId))
      ? getJson(s3, bucket, latestVerificationKey(databaseId), STORED_DOCUMENTS.verification)
      : undefined,
  ]);
  for (const [key, document] of [
    [latestPointerKey(databaseId), pointer],
    [latestVerificationKey(databaseId), verification],
  ] as const) {
    if (document !== undefined && document.databaseId !== databaseId) {
      throw new InvalidDocumentError(`s3://${bucket}/${key}`, [
        `describes database ${JSON.stringify(document.databaseId)}, not ${JSON.stringify(databaseId)}`,
      ]);
    }
  }
  return { databaseId, pointer, verification };
}

/**
 * The database ids that have anything in the bucket, for `pg-backup status` without `--db-id`.
 * A delimiter listing returns one entry per database, never the backups themselves.
 */
export async function listDatabaseIds(s3: S3Client, bucket: string): Promise<string[]> {
  const names = await listFolderNames(s3, bucket, allDatabasesPrefix());
  return names.filter((id) => DATABASE_ID_PATTERN.test(id));
}
