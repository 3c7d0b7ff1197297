import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { restoreRecordsPrefix, verificationsPrefix } from '../../src/contract/layout.js';
import type { RestoreRecord } from '../../src/contract/manifest.js';
import { archiveBackupInMoto } from '../../tools/local/archive-in-moto.js';
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

/** Archives a backup in the shared moto server as a lifecycle transition would: see tools/local/archive-in-moto.ts. */
export async function archiveBackup(
  bucket: string,
  databaseId: string,
  backupId: string,
  storageClass: 'GLACIER' | 'DEEP_ARCHIVE',
  options: { manifestToo?: boolean } = {},
): Promise<void> {
  await archiveBackupInMoto(s3Client(), bucket, databaseId, backupId, storageClass, options);
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
