import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { restoreRecordsPrefix, verificationsPrefix } from '../../src/contract/layout.js';
import type { RestoreRecord } from '../../src/contract/manifest.js';
import { s3Client } from './services.js';

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
