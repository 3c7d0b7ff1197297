import type { S3Client } from '@aws-sdk/client-s3';
import { getJson, objectExists, putJson } from '../aws/s3-json.js';
import { latestPointerKey, manifestKey } from '../contract/layout.js';
import {
  type BackupManifest,
  type BackupSummary,
  type LatestPointer,
  RECENT_HISTORY,
  SCHEMA_VERSION,
  STORED_DOCUMENTS,
} from '../contract/manifest.js';

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
): Promise<LatestPointer> {
  const key = latestPointerKey(manifest.databaseId);
  const current = (await objectExists(s3, bucket, key)) ? await getJson(s3, bucket, key, STORED_DOCUMENTS.latestPointer) : undefined;
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
