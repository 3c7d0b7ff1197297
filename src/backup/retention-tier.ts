import type { S3Client } from '@aws-sdk/client-s3';
import { getJson, objectExists } from '../aws/s3-json.js';
import { backupIdTime, latestPointerKey } from '../contract/layout.js';
import { InvalidDocumentError, STORED_DOCUMENTS } from '../contract/manifest.js';
import { type RetentionTier, retentionTierOf } from '../contract/retention-tiers.js';
import type { Reporter } from '../reporting/reporter.js';

/**
 * The retention tier of a dump starting at `start` (src/contract/retention-tiers.ts): from the newest complete
 * backup the latest pointer names. The pointer is found by a listing of exactly its key, as the dump task may
 * list its prefix but a GET of a missing key would be refused. A damaged pointer is no reason to fail a backup:
 * it is reported, and the backup is kept longest (monthly).
 */
export async function decideRetentionTier(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  start: Date,
  reporter: Reporter,
): Promise<RetentionTier> {
  const key = latestPointerKey(databaseId);
  let previousStart: Date | undefined;
  try {
    const pointer = (await objectExists(s3, bucket, key)) ? await getJson(s3, bucket, key, STORED_DOCUMENTS.latestPointer) : undefined;
    previousStart = pointer ? backupIdTime(pointer.latest.backupId) : undefined;
  } catch (error) {
    if (!(error instanceof InvalidDocumentError)) throw error;
    reporter.warn('the latest pointer is damaged: this backup is kept as monthly (the longest tier)', { problem: error.message });
  }
  return retentionTierOf(start, previousStart);
}
