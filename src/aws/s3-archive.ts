import { HeadObjectCommand, type HeadObjectCommandOutput, RestoreObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PgBackupError } from '../errors.js';
import { isAccessDenied, isNotFound, isUnknownVersion, s3ErrorMessage } from './s3-errors.js';

/**
 * Archived objects: S3 Glacier Flexible Retrieval (GLACIER) and Deep Archive (DEEP_ARCHIVE) keep an object's
 * bytes offline. GetObject answers InvalidObjectState until a RestoreObject request has made a temporary copy
 * readable, which takes minutes to days depending on the class and the retrieval tier. (Glacier Instant
 * Retrieval, GLACIER_IR, reads like any other class and needs none of this.)
 */
export const ARCHIVE_STORAGE_CLASSES = ['GLACIER', 'DEEP_ARCHIVE'] as const;
export type ArchiveStorageClass = (typeof ARCHIVE_STORAGE_CLASSES)[number];

/** RestoreObject's retrieval tiers, fastest and dearest first. */
export const RESTORE_TIERS = ['Expedited', 'Standard', 'Bulk'] as const;
export type RestoreTier = (typeof RESTORE_TIERS)[number];

/** AWS's default tier, and ours. */
export const DEFAULT_RESTORE_TIER: RestoreTier = 'Standard';

/** How long the restored copy stays readable: long enough to verify, restore and retry over a weekend. */
export const RESTORED_COPY_DAYS = 7;

/**
 * How long a restore typically takes, per class and tier, as AWS documents it ("Understanding archive retrieval
 * options", Amazon S3 User Guide): `hours` is the upper end, for an estimate of when the copy is ready.
 * Expedited is not offered for Deep Archive.
 */
export const TYPICAL_RESTORE_TIME: Record<
  ArchiveStorageClass,
  Partial<Record<RestoreTier, { readonly text: string; readonly hours: number }>>
> = {
  GLACIER: {
    Expedited: { text: '1-5 minutes (objects under 250 MB; larger ones up to 300 MB/s after that)', hours: 5 / 60 },
    Standard: { text: '3-5 hours', hours: 5 },
    Bulk: { text: '5-12 hours', hours: 12 },
  },
  DEEP_ARCHIVE: {
    Standard: { text: 'within 12 hours', hours: 12 },
    Bulk: { text: 'within 48 hours', hours: 48 },
  },
};

/** An object as the manifest names it: its key and, in the bucket that took the backup, its version. */
export interface ObjectReference {
  readonly key: string;
  readonly versionId?: string;
}

/** Where an object stands: readable now, archived, being restored, or restored (a readable copy until `readableUntil`). */
export type ArchiveState =
  | { readonly kind: 'readable'; readonly storageClass: string }
  | { readonly kind: 'archived'; readonly storageClass: ArchiveStorageClass }
  | { readonly kind: 'restoring'; readonly storageClass: ArchiveStorageClass }
  | { readonly kind: 'restored'; readonly storageClass: ArchiveStorageClass; readonly readableUntil?: Date };

/** GetObject met an archived object: says which, in what class, and what to run. */
export class ArchivedObjectError extends PgBackupError {
  constructor(
    readonly bucket: string,
    readonly object: ObjectReference,
    readonly storageClass: string,
    options?: { cause?: unknown },
  ) {
    super(
      `s3://${bucket}/${object.key} is archived in ${storageClass} (S3 answers InvalidObjectState: its bytes are offline until restored). ` +
        'pg-backup restore, verify and download start that restore themselves: run the command again with --restore-tier ' +
        `${RESTORE_TIERS.join('|')} (typical times: pg-backup restore --help), and --wait to continue once it is readable`,
      options,
    );
  }
}

/** True when GetObject refused because the object is archived. */
export function isArchivedObjectError(error: unknown): boolean {
  const e = error as { name?: string; Code?: string };
  return (e.Code ?? e.name) === 'InvalidObjectState';
}

/** The storage class S3 names in an InvalidObjectState error (GLACIER when it names none). */
export function archivedClassOf(error: unknown): string {
  return (error as { StorageClass?: string }).StorageClass ?? 'GLACIER';
}

function isArchiveClass(storageClass: string): storageClass is ArchiveStorageClass {
  return (ARCHIVE_STORAGE_CLASSES as readonly string[]).includes(storageClass);
}

/**
 * HeadObject of the exact version (the current one in a bucket filled by copying, where version ids differ):
 * its storage class and the `x-amz-restore` header (`ongoing-request="false", expiry-date="..."` when restored).
 */
export async function archiveState(s3: S3Client, bucket: string, object: ObjectReference): Promise<ArchiveState> {
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key, ...versionOf(object) }));
  } catch (error) {
    // A HEAD of a version the bucket does not have answers 404 with no code (a copy of the bucket, not a replica).
    if (!object.versionId || !(isUnknownVersion(error) || isNotFound(error))) {
      throw new PgBackupError(`could not read the state of s3://${bucket}/${object.key}: ${s3ErrorMessage(error)}`, { cause: error });
    }
    return archiveState(s3, bucket, { key: object.key });
  }
  const storageClass = head.StorageClass ?? 'STANDARD';
  if (!isArchiveClass(storageClass)) return { kind: 'readable', storageClass };
  const restore = head.Restore;
  if (!restore) return { kind: 'archived', storageClass };
  if (/ongoing-request="true"/.test(restore)) return { kind: 'restoring', storageClass };
  const expiry = /expiry-date="([^"]+)"/.exec(restore)?.[1];
  return { kind: 'restored', storageClass, ...(expiry ? { readableUntil: new Date(expiry) } : {}) };
}

/**
 * Starts the restore of an archived object (a readable copy for RESTORED_COPY_DAYS). A restore already under way
 * (RestoreAlreadyInProgress) is not an error. Expedited is refused for Deep Archive before asking S3.
 */
export async function startArchiveRestore(
  s3: S3Client,
  bucket: string,
  object: ObjectReference,
  storageClass: ArchiveStorageClass,
  tier: RestoreTier,
): Promise<void> {
  if (!TYPICAL_RESTORE_TIME[storageClass][tier]) {
    throw new PgBackupError(
      `--restore-tier (${tier}) is not offered for ${storageClass} (s3://${bucket}/${object.key}): use ${Object.keys(TYPICAL_RESTORE_TIME[storageClass]).join(' or ')}`,
    );
  }
  try {
    await s3.send(
      new RestoreObjectCommand({
        Bucket: bucket,
        Key: object.key,
        ...versionOf(object),
        RestoreRequest: { Days: RESTORED_COPY_DAYS, GlacierJobParameters: { Tier: tier } },
      }),
    );
  } catch (error) {
    const code = (error as { Code?: string; name?: string }).Code ?? (error as { name?: string }).name;
    if (code === 'RestoreAlreadyInProgress') return;
    if (object.versionId && isUnknownVersion(error)) return startArchiveRestore(s3, bucket, { key: object.key }, storageClass, tier);
    throw new PgBackupError(
      `could not start the restore of s3://${bucket}/${object.key} from ${storageClass}: ${s3ErrorMessage(error)}` +
        (isAccessDenied(error)
          ? '. These credentials may not start restores (s3:RestoreObject): the restorer role may (docs/security.md)'
          : ''),
      { cause: error },
    );
  }
}

function versionOf(object: ObjectReference): { VersionId?: string } {
  return object.versionId ? { VersionId: object.versionId } : {};
}
