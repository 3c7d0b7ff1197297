import type { S3Client } from '@aws-sdk/client-s3';
import { updateJson } from '../aws/s3-json.js';
import { latestPointerKey, manifestKey } from '../contract/layout.js';
import {
  type BackupManifest,
  type BackupSummary,
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
 * pointer never names an incomplete backup. The write is conditional on the pointer it read (updateJson):
 * two dumps of one database finishing together both land in the history. Earlier versions stay (versioning).
 * A damaged pointer does not stop backups: it is reported and replaced without its history (its version
 * stays in the bucket).
 */
export async function publishAsLatest(
  s3: S3Client,
  bucket: string,
  manifest: BackupManifest,
  manifestVersionId: string | undefined,
  kmsKeyId?: string,
  reporter: Reporter = silentReporter,
): Promise<LatestPointer> {
  return updateJson(
    s3,
    bucket,
    latestPointerKey(manifest.databaseId),
    STORED_DOCUMENTS.latestPointer,
    kmsKeyId,
    ({ document: current, damaged }) => {
      if (damaged) {
        reporter.warn('the latest pointer is damaged: replacing it without its history (the damaged version stays in the bucket)', {
          problem: damaged.message,
        });
      }
      const earlier = current
        ? [current.latest, ...current.previous].map(({ backupId, finishedAt, storedBytes, durationSeconds }) => ({
            backupId,
            finishedAt,
            storedBytes,
            durationSeconds,
          }))
        : [];
      const mine = {
        ...summarize(manifest),
        manifestKey: manifestKey(manifest.databaseId, manifest.backupId),
        ...(manifestVersionId ? { manifestVersionId } : {}),
      };
      // A backup that finished earlier than the newest one (a slow dump overtaken) joins the history instead.
      if (current && current.latest.finishedAt > manifest.finishedAt && current.latest.backupId !== manifest.backupId) {
        const history = [...earlier.slice(1), summarize(manifest)].filter(
          (s, i, all) => all.findIndex((o) => o.backupId === s.backupId) === i,
        );
        history.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
        return { ...current, previous: history.slice(0, RECENT_HISTORY) };
      }
      return {
        schemaVersion: SCHEMA_VERSION,
        databaseId: manifest.databaseId,
        latest: mine,
        previous: earlier.filter((s) => s.backupId !== manifest.backupId).slice(0, RECENT_HISTORY),
      };
    },
  );
}
