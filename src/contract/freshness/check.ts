import type { S3Client } from '@aws-sdk/client-s3';
import { type DatabaseStatus, evaluateDatabase } from './evaluate.js';
import type { FreshnessLimits } from './limits.js';
import { readPointers } from './pointers.js';
import { findReplicaCopies, type ReplicaToWatch } from './replica-copies.js';

export interface DatabaseToCheck {
  readonly databaseId: string;
  readonly limits: FreshnessLimits;
}

/**
 * Reads the pointer documents of every database and judges them: what `pg-backup status` prints
 * and what the freshness Lambda alerts on. Two S3 GETs per database (and, with a replica, a listing of the
 * replica per backup not yet found there, usually one); a few databases at a time.
 */
export async function checkDatabases(
  s3: S3Client,
  bucket: string,
  databases: readonly DatabaseToCheck[],
  now = new Date(),
  replica?: ReplicaToWatch,
): Promise<DatabaseStatus[]> {
  const results: DatabaseStatus[] = [];
  const concurrency = 8;
  for (let i = 0; i < databases.length; i += concurrency) {
    const batch = databases.slice(i, i + concurrency);
    const statuses = await Promise.all(
      batch.map(async ({ databaseId, limits }) => {
        const pointers = await readPointers(s3, bucket, databaseId);
        const copies = replica && pointers.pointer ? await findReplicaCopies(replica, databaseId, pointers.pointer) : undefined;
        return evaluateDatabase(copies ? { ...pointers, replica: copies } : pointers, limits, now);
      }),
    );
    results.push(...statuses);
  }
  return results;
}
