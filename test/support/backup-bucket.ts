import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { manifestKey, restoreRecordsPrefix, verificationsPrefix } from '../../src/contract/layout.js';
import type { BackupManifest, RestoreRecord, StoredObject } from '../../src/contract/manifest.js';
import { motoEndpoint, s3Client } from './services.js';

/** Every object version under a prefix, as "key" strings (what a failed backup must not add to). */
export async function objectKeys(bucket: string, prefix = ''): Promise<string[]> {
  const listed = await s3Client().send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return (listed.Versions ?? []).map((v) => v.Key!).sort();
}

/** Multipart uploads still open in the bucket (a failed backup must leave none). */
export async function openMultipartUploads(bucket: string): Promise<string[]> {
  const listed = await s3Client().send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (listed.Uploads ?? []).map((u) => u.Key!);
}

export async function getBytes(bucket: string, key: string): Promise<Buffer> {
  const response = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

export async function getText(bucket: string, key: string): Promise<string> {
  return (await getBytes(bucket, key)).toString('utf8');
}

/** Stores a new version of an object and returns its version id. */
export async function putBytes(bucket: string, key: string, body: Buffer | string): Promise<string> {
  const response = await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return response.VersionId!;
}

/** The key of the newest verification record of a backup (each verify run writes its own, create-only). */
export async function newestVerificationKey(bucket: string, databaseId: string, backupId: string): Promise<string> {
  const keys = await objectKeys(bucket, verificationsPrefix(databaseId, backupId));
  const newest = keys.at(-1);
  if (!newest) throw new Error(`backup ${backupId} of ${databaseId} has no verification record in ${bucket}`);
  return newest;
}

/** Every key under a prefix, current versions only (what a listing shows). */
export async function currentKeys(bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

/** The restore records of a database, oldest first, parsed. */
export async function restoreRecords(bucket: string, databaseId: string): Promise<RestoreRecord[]> {
  const keys = await currentKeys(bucket, restoreRecordsPrefix(databaseId));
  return Promise.all(keys.map(async (key) => JSON.parse(await getText(bucket, key)) as RestoreRecord));
}

/**
 * Moves a backup's dump and roles to an archive class as a lifecycle transition would (moto runs no lifecycle): each
 * object is copied in place with that storage class, and a new manifest version names those copies (the same
 * bytes, so the same SHA-256). A real transition keeps the version id; the copy gets a new one, which is why the
 * manifest is rewritten. With `manifestToo`, the manifest itself is archived as well (a lifecycle rule without a
 * size filter would do that). Restore it with `--backup <id>`: the latest pointer still names the first manifest version.
 */
export async function archiveBackup(
  bucket: string,
  databaseId: string,
  backupId: string,
  storageClass: 'GLACIER' | 'DEEP_ARCHIVE',
  options: { manifestToo?: boolean } = {},
): Promise<void> {
  const s3 = s3Client();
  const key = manifestKey(databaseId, backupId);
  const manifest = JSON.parse(await getText(bucket, key)) as BackupManifest;
  const archive = async (object: StoredObject): Promise<StoredObject> => {
    const copy = new CopyObjectCommand({
      Bucket: bucket,
      Key: object.key,
      CopySource: `${bucket}/${object.key}${object.versionId ? `?versionId=${object.versionId}` : ''}`,
      StorageClass: storageClass,
    });
    // moto takes copies into a bucket with a default retention only with a Content-MD5 (of the empty body).
    copy.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['content-md5'] = createHash('md5').update('').digest('base64');
        return next(args);
      },
      { step: 'build' },
    );
    const copied = await s3.send(copy);
    return { ...object, versionId: copied.VersionId! };
  };
  const archived: BackupManifest = {
    ...manifest,
    dump: await archive(manifest.dump),
    ...(manifest.globals ? { globals: await archive(manifest.globals) } : {}),
  };
  const body = JSON.stringify(archived);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: 'application/json',
      // A bucket with an Object Lock default retention takes uploads only with a checksum (moto: Content-MD5).
      ContentMD5: createHash('md5').update(body).digest('base64'),
      ...(options.manifestToo ? { StorageClass: storageClass } : {}),
    }),
  );
}

/**
 * How moto completes S3 restores (its state manager, server-wide): `manual` with `times: 1` makes a restore show as
 * under way on the first look after it started and done on the next; `immediate` (moto's default) completes it at once.
 */
export async function setMotoRestoreProgression(progression: 'manual' | 'immediate'): Promise<void> {
  const path = progression === 'immediate' ? 'unset-transition' : 'set-transition';
  const body =
    progression === 'immediate'
      ? { model_name: 's3::keyrestore' }
      : { model_name: 's3::keyrestore', transition: { progression, times: 1 } };
  const response = await fetch(`${motoEndpoint()}/moto-api/state-manager/${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`moto state manager: ${response.status} ${await response.text()}`);
}
