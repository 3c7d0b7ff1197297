import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { s3ErrorMessage } from '../aws/s3-errors.js';
import { getJson, putJson } from '../aws/s3-json.js';
import { restoreRecordKey, restoreRecordsPrefix } from '../contract/layout.js';
import { type RestoreRecord, STORED_DOCUMENTS } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';

/** Stores the audit record of a restore, create-only (`If-None-Match: *`), named by when it started; returns its key. */
export async function storeRestoreRecord(s3: S3Client, bucket: string, record: RestoreRecord, kmsKeyId?: string): Promise<string> {
  const key = restoreRecordKey(record.databaseId, new Date(record.startedAt));
  await putJson(s3, bucket, key, record, kmsKeyId, { create: true });
  return key;
}

/**
 * The newest restore record of a database (the records sort by time: the last key of the listing), with its key;
 * undefined when the database was never restored. One listing page per thousand restores, and one GET.
 */
export async function lastRestore(
  s3: S3Client,
  bucket: string,
  databaseId: string,
): Promise<{ key: string; record: RestoreRecord } | undefined> {
  const prefix = restoreRecordsPrefix(databaseId);
  let newest: string | undefined;
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key?.endsWith('.json') && (newest === undefined || object.Key > newest)) newest = object.Key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    throw new PgBackupError(`could not list s3://${bucket}/${prefix}: ${s3ErrorMessage(error)}`, { cause: error });
  }
  if (!newest) return undefined;
  const record = await getJson(s3, bucket, newest, STORED_DOCUMENTS.restore);
  return record ? { key: newest, record } : undefined;
}

/** One line about a restore record, for list and status: when, what, where, by whom, how it ended. */
export function describeRestore(record: RestoreRecord): string {
  const who = record.restoredBy.arn.replace(/^arn:[^:]+:(sts|iam)::\d{12}:/, '');
  const safety = record.safetyDump ? `; previous content ${record.safetyDump.id}` : '';
  return `${record.startedAt.replace(/\.\d{3}Z$/, 'Z')} ${record.result.toUpperCase()}: ${record.backup} into ${record.target} by ${who} (${record.durationSeconds.toFixed(0)} s${safety})`;
}
