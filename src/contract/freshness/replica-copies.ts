import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { dumpKey } from '../layout.js';
import type { LatestPointer } from '../manifest.js';

/** The second copy of a bucket to compare a database's backups with, and how far behind it may be. */
export interface ReplicaToWatch {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly maxLagSeconds: number;
}

export interface CopiedBackup {
  readonly backupId: string;
  readonly finishedAt: string;
}

/** Which of the backups the primary's pointer knows are in the replica. */
export interface ReplicaCopies {
  readonly bucket: string;
  readonly maxLagSeconds: number;
  /** The newest backup whose dump is in the replica at its full size; absent when none of them is. */
  readonly newestCopied?: CopiedBackup;
  /** The backups newer than that one (all of them, when none is copied), oldest first. */
  readonly missing: readonly CopiedBackup[];
}

/**
 * Looks for each backup's dump in the replica, newest first, until one is there at the size the manifest
 * recorded. A listing per backup and no GET: the caller needs s3:ListBucket on the backups' prefix of the
 * replica, never s3:GetObject nor the replica key, so the watcher cannot read a copy. The dump is the
 * object that matters and the largest, so the last to arrive: a pointer or manifest in the replica would
 * say a backup is there before it is.
 */
export async function findReplicaCopies(replica: ReplicaToWatch, databaseId: string, pointer: LatestPointer): Promise<ReplicaCopies> {
  const known = [pointer.latest, ...pointer.previous];
  const missing: CopiedBackup[] = [];
  for (const backup of known) {
    const key = dumpKey(databaseId, backup.backupId);
    const listed = await replica.s3.send(new ListObjectsV2Command({ Bucket: replica.bucket, Prefix: key, MaxKeys: 1 }));
    const copy = listed.Contents?.find((object) => object.Key === key);
    if (copy && copy.Size === backup.storedBytes) {
      return { bucket: replica.bucket, maxLagSeconds: replica.maxLagSeconds, newestCopied: summary(backup), missing: missing.reverse() };
    }
    missing.push(summary(backup));
  }
  return { bucket: replica.bucket, maxLagSeconds: replica.maxLagSeconds, missing: missing.reverse() };
}

function summary(backup: { backupId: string; finishedAt: string }): CopiedBackup {
  return { backupId: backup.backupId, finishedAt: backup.finishedAt };
}
