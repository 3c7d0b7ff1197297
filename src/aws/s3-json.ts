import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidDocumentError, parseStoredDocument, type StoredDocument } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { isNotFound, isUnknownVersion, s3ErrorMessage } from './s3-errors.js';

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
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    // A copy of the bucket (not a replica) has other version ids: read the current version instead.
    if (versionId && isUnknownVersion(error)) return getJson(s3, bucket, key, kind);
    if (isNotFound(error)) return undefined;
    throw new PgBackupError(`could not read s3://${bucket}/${key}: ${s3ErrorMessage(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidDocumentError(`s3://${bucket}/${key}`, [`not valid JSON (${(error as Error).message})`], { cause: error });
  }
  return parseStoredDocument(kind, value, `s3://${bucket}/${key}`);
}

/** Writes a JSON document under SSE-KMS (with `kmsKeyId`, else the bucket default) and returns its version id. */
export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  document: unknown,
  kmsKeyId?: string,
): Promise<string | undefined> {
  try {
    const response = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(document, null, 2)}\n`,
        ContentType: 'application/json',
        ...(kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true } : {}),
      }),
    );
    return response.VersionId;
  } catch (error) {
    throw new PgBackupError(`could not write s3://${bucket}/${key}: ${s3ErrorMessage(error)}`, { cause: error });
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
