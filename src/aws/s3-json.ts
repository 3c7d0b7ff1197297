import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidDocumentError, parseStoredDocument, type StoredDocument } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { ArchivedObjectError, archivedClassOf, isArchivedObjectError } from './s3-archive.js';
import { isNotFound, isUnknownVersion, isWriteConflict, s3ErrorMessage } from './s3-errors.js';

/** A stored document as read, with the ETag a conditional replacement names. */
export interface ReadDocument<T> {
  readonly etag: string;
  readonly document: T;
}

/**
 * Reads a stored document (a given version when `versionId` is set) and checks it against its schema
 * (src/contract/manifest.ts STORED_DOCUMENTS); undefined when it does not exist. A document that is
 * not valid JSON, of another schema version or with a bad field throws, naming the key and the field.
 */
export async function getJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  kind: StoredDocument<T>,
  versionId?: string,
): Promise<T | undefined> {
  return (await readJson(s3, bucket, key, kind, versionId))?.document;
}

/** getJson, with the ETag of what was read (for a replacement written with `If-Match`). */
export async function readJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  kind: StoredDocument<T>,
  versionId?: string,
): Promise<ReadDocument<T> | undefined> {
  let text: string;
  let etag: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    text = (await response.Body?.transformToString('utf-8')) ?? '';
    etag = response.ETag ?? '';
  } catch (error) {
    // A copy of the bucket (not a replica) has other version ids: read the current version instead.
    if (versionId && isUnknownVersion(error)) return readJson(s3, bucket, key, kind);
    if (isNotFound(error)) return undefined;
    // A document the lifecycle moved to an archive class: say so, and how to get it back.
    if (isArchivedObjectError(error))
      throw new ArchivedObjectError(bucket, { key, ...(versionId ? { versionId } : {}) }, archivedClassOf(error), { cause: error });
    throw new PgBackupError(`could not read s3://${bucket}/${key}: ${s3ErrorMessage(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DamagedDocumentError(
      etag,
      new InvalidDocumentError(`s3://${bucket}/${key}`, [`not valid JSON (${(error as Error).message})`], { cause: error }),
    );
  }
  try {
    return { etag, document: parseStoredDocument(kind, value, `s3://${bucket}/${key}`) };
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw new DamagedDocumentError(etag, error);
    throw error;
  }
}

/** A document that exists but does not parse: the InvalidDocumentError (its message), and the ETag to replace it by. */
export class DamagedDocumentError extends InvalidDocumentError {
  constructor(
    readonly etag: string,
    invalid: InvalidDocumentError,
  ) {
    super(invalid.location, invalid.problems, { cause: invalid.cause });
  }
}

/**
 * How a write may land. History is create-only: `create` writes only if the key does not exist yet
 * (`If-None-Match: *`), so nothing ever overwrites a backup or a record. A pointer is replaced only as read:
 * `replaces` names the ETag it was read with (`If-Match`), so a concurrent writer can never lose an entry.
 * The bucket policy refuses any other write (lib/storage/bucket-protection.ts).
 */
export type WriteCondition = { readonly create: true } | { readonly replaces: string };

/** A conditional write lost to another writer (or met an existing key). */
export class WriteConflictError extends PgBackupError {}

/**
 * Writes a JSON document under SSE-KMS (with `kmsKeyId`, else the bucket default), as `condition` allows, with the
 * object tags `tagging` (URL query form) if given; returns its version id.
 */
export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  document: unknown,
  kmsKeyId: string | undefined,
  condition: WriteCondition,
  tagging?: string,
): Promise<string | undefined> {
  try {
    const response = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(document, null, 2)}\n`,
        ContentType: 'application/json',
        ...('create' in condition ? { IfNoneMatch: '*' } : { IfMatch: condition.replaces }),
        ...(tagging ? { Tagging: tagging } : {}),
        ...(kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true } : {}),
      }),
    );
    return response.VersionId;
  } catch (error) {
    if (isWriteConflict(error)) {
      throw new WriteConflictError(
        'create' in condition
          ? `s3://${bucket}/${key} already exists: history is create-only, nothing was overwritten`
          : `s3://${bucket}/${key} changed since it was read: another writer got there first, nothing was overwritten`,
        { cause: error },
      );
    }
    throw new PgBackupError(`could not write s3://${bucket}/${key}: ${s3ErrorMessage(error)}`, { cause: error });
  }
}

/**
 * Replaces a pointer document: reads it (with its ETag), lets `next` build the replacement, and writes it
 * only if nobody wrote in between (`If-Match`, or `If-None-Match` while it does not exist yet); if somebody
 * did, reads again and retries, so two writers (a scheduled dump and a manual one) both land. A damaged
 * current document is handed to `next` as `damaged`, and replaced.
 */
export async function updateJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  kind: StoredDocument<T>,
  kmsKeyId: string | undefined,
  next: (current: { readonly document?: T; readonly damaged?: InvalidDocumentError }) => T,
  attempts = 8,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let current: { document?: T; damaged?: InvalidDocumentError; etag?: string } = {};
    if (await objectExists(s3, bucket, key)) {
      try {
        current = (await readJson(s3, bucket, key, kind)) ?? {};
      } catch (error) {
        if (!(error instanceof DamagedDocumentError)) throw error;
        current = { damaged: error, etag: error.etag };
      }
    }
    const document = next(current);
    try {
      await putJson(s3, bucket, key, document, kmsKeyId, current.etag ? { replaces: current.etag } : { create: true });
      return document;
    } catch (error) {
      if (!(error instanceof WriteConflictError) || attempt >= attempts) throw error;
      // Another writer landed first: back off a little, then build on what it wrote.
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

/**
 * The keys that exist under `prefix` (up to 1000), by one listing. Roles may list only their own prefixes;
 * without a bucket-wide ListBucket S3 answers a GET of a missing key with 403, not 404, so callers ask
 * this way first instead of reading and guessing.
 */
export async function existingKeys(s3: S3Client, bucket: string, prefix: string): Promise<Set<string>> {
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return new Set((listed.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
  } catch (error) {
    throw new PgBackupError(`could not list s3://${bucket}/${prefix}: ${s3ErrorMessage(error)}`, { cause: error });
  }
}

/** Whether a key exists, by a listing of exactly that prefix (see existingKeys). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  return (await existingKeys(s3, bucket, key)).has(key);
}
