import type { S3Client } from '@aws-sdk/client-s3';
import { backupIdTime } from '../contract/layout.js';
import { listBackupIds, readManifest, readVerification } from './backup-catalog.js';

/** One row of `pg-backup list`. */
export interface BackupListing {
  readonly backupId: string;
  /** Snapshot time (the start of the dump). */
  readonly takenAt: string;
  /** False for a dump that never completed (no manifest): never restorable, never the latest. */
  readonly complete: boolean;
  readonly finishedAt?: string;
  readonly durationSeconds?: number;
  readonly rawBytes?: number;
  readonly storedBytes?: number;
  readonly sha256?: string;
  readonly tables?: number;
  readonly verification: {
    readonly passed: boolean;
    readonly verifiedAt: string;
    readonly restoreSeconds?: number;
    readonly mismatches: readonly string[];
  } | null;
}

/** The newest `limit` backups of a database, newest first, each with its manifest facts and verification. */
export async function listBackups(s3: S3Client, bucket: string, databaseId: string, limit: number): Promise<BackupListing[]> {
  const ids = (await listBackupIds(s3, bucket, databaseId)).slice(0, limit);
  return Promise.all(
    ids.map(async (backupId): Promise<BackupListing> => {
      const [manifest, verification] = await Promise.all([
        readManifest(s3, bucket, databaseId, backupId),
        readVerification(s3, bucket, databaseId, backupId),
      ]);
      const verified = verification
        ? {
            passed: verification.passed,
            verifiedAt: verification.verifiedAt,
            ...(verification.restoreSeconds !== undefined ? { restoreSeconds: verification.restoreSeconds } : {}),
            mismatches: verification.mismatches,
          }
        : null;
      if (!manifest) return { backupId, takenAt: backupIdTime(backupId).toISOString(), complete: false, verification: verified };
      return {
        backupId,
        takenAt: manifest.startedAt,
        complete: true,
        finishedAt: manifest.finishedAt,
        durationSeconds: manifest.durationSeconds,
        rawBytes: manifest.rawBytes,
        storedBytes: manifest.dump.storedBytes,
        sha256: manifest.dump.sha256,
        tables: manifest.tables.length,
        verification: verified,
      };
    }),
  );
}
