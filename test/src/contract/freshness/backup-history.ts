import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { latestPointerKey, latestVerificationKey, manifestKey, newBackupId } from '../../../../src/contract/layout.js';
import { type BackupSummary, type LatestPointer, SCHEMA_VERSION, type VerificationRecord } from '../../../../src/contract/manifest.js';

/**
 * Writes the pointer documents the dump and verify commands write (src/contract), so status and
 * the freshness Lambda can be tested against a real S3 API (moto) in any state: fresh, stale,
 * shrunken, failed verification.
 */

const HOUR = 3600_000;

export interface HistoryOptions {
  /** Age of the newest backup when read at `now`. */
  readonly newestAgeHours: number;
  /** Stored bytes, newest first; the first is the newest backup. */
  readonly sizes: readonly number[];
  /** Hours between consecutive backups. @default 24 */
  readonly intervalHours?: number;
  readonly now?: Date;
}

export function backupSummaries(options: HistoryOptions): BackupSummary[] {
  const now = options.now ?? new Date();
  const interval = options.intervalHours ?? 24;
  return options.sizes.map((storedBytes, index) => {
    const finishedAt = new Date(now.getTime() - (options.newestAgeHours + index * interval) * HOUR);
    const startedAt = new Date(finishedAt.getTime() - 95_000);
    return { backupId: newBackupId(startedAt, `t${index}aa`), finishedAt: finishedAt.toISOString(), storedBytes, durationSeconds: 95 };
  });
}

export async function writePointer(s3: S3Client, bucket: string, databaseId: string, options: HistoryOptions): Promise<LatestPointer> {
  const [latest, ...previous] = backupSummaries(options);
  const pointer: LatestPointer = {
    schemaVersion: SCHEMA_VERSION,
    databaseId,
    latest: { ...latest!, manifestKey: manifestKey(databaseId, latest!.backupId) },
    previous,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: latestPointerKey(databaseId),
      Body: JSON.stringify(pointer),
      ContentType: 'application/json',
    }),
  );
  return pointer;
}

export async function writeVerification(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  options: {
    backupId: string;
    ageHours: number;
    passed: boolean;
    mismatches?: string[];
    restoreSeconds?: number;
    recovery?: VerificationRecord['recovery'];
    now?: Date;
  },
): Promise<VerificationRecord> {
  const now = options.now ?? new Date();
  const record: VerificationRecord = {
    schemaVersion: SCHEMA_VERSION,
    databaseId,
    backupId: options.backupId,
    verifiedAt: new Date(now.getTime() - options.ageHours * HOUR).toISOString(),
    passed: options.passed,
    checksumOk: true,
    restoreSeconds: options.restoreSeconds ?? 42,
    ...(options.recovery ? { recovery: options.recovery } : {}),
    mismatches: options.mismatches ?? [],
    smokeQueries: [],
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: latestVerificationKey(databaseId),
      Body: JSON.stringify(record),
      ContentType: 'application/json',
    }),
  );
  return record;
}
