import type { S3Client } from '@aws-sdk/client-s3';
import { getJson, objectExists, putJson } from '../aws/s3-json.js';
import { latestPointerKey, manifestKey } from '../contract/layout.js';
import {
  type BackupManifest,
  type BackupSummary,
  InvalidDocumentError,
  type LatestPointer,
  RECENT_HISTORY,
  SCHEMA_VERSION,
  STORED_DOCUMENTS,
} from '../contract/manifest.js';
import { type Reporter, silentReporter } from '../reporting/reporter.js';

/** The summary of a backup that the pointer remembers (the size-anomaly baseline). */
export function summarize(manifest: BackupManifest): BackupSummary {
  return {
    backupId: manifest.backupId,
    finishedAt: manifest.finishedAt,
    storedBytes: manifest.dump.storedBytes,
    durationSeconds: manifest.durationSeconds,
  };
}

/**
 * Makes `manifest` the newest backup: rewrites databases/<id>/latest.json with it and the previous
 * RECENT_HISTORY summaries. Called only after the dump object and the manifest are stored, so the
 * pointer never names an incomplete backup. Earlier versions of the pointer stay (bucket versioning).
 */
export async function publishAsLatest(
  s3: S3Client,
  bucket: string,
  manifest: BackupManifest,
  manifestVersionId: string | undefined,
  kmsKeyId?: string,
  reporter: Reporter = silentReporter,
): Promise<LatestPointer> {
  const key = latestPointerKey(manifest.databaseId);
  const current = await readReplacedPointer(s3, bucket, key, reporter);
  const earlier = current
    ? [current.latest, ...current.previous].map(({ backupId, finishedAt, storedBytes, durationSeconds }) => ({
        backupId,
        finishedAt,
        storedBytes,
        durationSeconds,
      }))
    : [];
  const pointer: LatestPointer = {
    schemaVersion: SCHEMA_VERSION,
    databaseId: manifest.databaseId,
    latest: {
      ...summarize(manifest),
      manifestKey: manifestKey(manifest.databaseId, manifest.backupId),
      ...(manifestVersionId ? { manifestVersionId } : {}),
    },
    previous: earlier.filter((s) => s.backupId !== manifest.backupId).slice(0, RECENT_HISTORY),
  };
  await putJson(s3, bucket, key, pointer, kmsKeyId);
  return pointer;
}

/**
 * The pointer about to be replaced. A damaged one must not stop backups: it is reported, its history
 * is dropped (the size baseline starts again) and its version stays in the bucket. Failing to read it
 * at all (S3 refused) still fails the dump.
 */
async function readReplacedPointer(s3: S3Client, bucket: string, key: string, reporter: Reporter): Promise<LatestPointer | undefined> {
  if (!(await objectExists(s3, bucket, key))) return undefined;
  try {
    return await getJson(s3, bucket, key, STORED_DOCUMENTS.latestPointer);
  } catch (error) {
    if (!(error instanceof InvalidDocumentError)) throw error;
    reporter.warn('the latest pointer is damaged: replacing it without its history (the damaged version stays in the bucket)', {
      problem: error.message,
    });
    return undefined;
  }
}
