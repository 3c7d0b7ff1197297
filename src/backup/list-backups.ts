import type { S3Client } from '@aws-sdk/client-s3';
import { ArchivedObjectError } from '../aws/s3-archive.js';
import { existingKeys, getJson } from '../aws/s3-json.js';
import {
  backupIdTime,
  backupPrefix,
  dumpKey,
  legacyVerificationKey,
  manifestKey,
  safetyDumpsPrefix,
  safetyManifestKey,
  verificationsPrefix,
} from '../contract/layout.js';
import { type BackupManifest, type RestoreRecord, STORED_DOCUMENTS } from '../contract/manifest.js';
import { RETENTION_TIER_TAG, type RetentionTier } from '../contract/retention-tiers.js';
import { listBackupIds, listSafetyDumpIds, readManifest } from './backup-catalog.js';
import { lastRestore } from './restore-records.js';
import { type BucketRetention, listVersions, readBucketRetention, type StorageFacts, storageFacts } from './storage-facts.js';

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
  /** daily, weekly or monthly (src/contract/retention-tiers.ts); absent for backups taken before tiers existed. */
  readonly retentionTier?: RetentionTier;
  /** Where the dump is kept (storage class) and until when (lifecycle expiry, Object Lock). */
  readonly storage?: StorageFacts;
  /** Set when the manifest itself is archived: the backup is there, its facts are offline. */
  readonly manifestArchived?: string;
  readonly verification: {
    readonly passed: boolean;
    readonly verifiedAt: string;
    readonly restoreSeconds?: number;
    readonly mismatches: readonly string[];
  } | null;
}

/** A safety dump `restore --replace` took: `restore --backup safety/<id>` puts it back. */
export interface SafetyDumpListing {
  /** safety/<time>. */
  readonly backup: string;
  readonly takenAt: string;
  readonly complete: boolean;
  /** What was restored over it, and where. */
  readonly restoreOf?: string;
  readonly target?: string;
  readonly storedBytes?: number;
  readonly tables?: number;
}

/** What `pg-backup list` shows of a database. */
export interface DatabaseCatalog {
  readonly backups: readonly BackupListing[];
  readonly safetyDumps: readonly SafetyDumpListing[];
  /** The newest restore of the database (its audit record), if any. */
  readonly lastRestore: (RestoreRecord & { readonly recordKey: string }) | null;
}

/**
 * The newest `limit` backups of a database, newest first, each with its manifest facts, storage and verification.
 * Per backup one version listing of its folder (which objects exist, their storage class and age) and at most two
 * GETs (the manifest, the newest verification record): a missing document is never asked for, so a caller that may
 * list but not read missing keys gets no 403.
 */
export async function listBackups(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  limit: number,
  retention?: BucketRetention,
): Promise<BackupListing[]> {
  const ids = (await listBackupIds(s3, bucket, databaseId)).slice(0, limit);
  const kept = retention ?? (await readBucketRetention(s3, bucket));
  return Promise.all(ids.map((backupId) => listOne(s3, bucket, databaseId, backupId, kept)));
}

async function listOne(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  backupId: string,
  retention: BucketRetention,
): Promise<BackupListing> {
  const versions = await listVersions(s3, bucket, backupPrefix(databaseId, backupId));
  const current = new Set(versions.filter((v) => v.isLatest).map((v) => v.key));
  const newestRecord = [...current]
    .filter((k) => k.startsWith(verificationsPrefix(databaseId, backupId)) && k.endsWith('.json'))
    .sort()
    .at(-1);
  const recordKey =
    newestRecord ?? (current.has(legacyVerificationKey(databaseId, backupId)) ? legacyVerificationKey(databaseId, backupId) : undefined);
  const [read, verification] = await Promise.all([
    current.has(manifestKey(databaseId, backupId))
      ? readManifest(s3, bucket, databaseId, backupId).then(
          (manifest) => ({ manifest }),
          (error: unknown) => {
            // A manifest the lifecycle archived: the backup is listed, its restore says how to get it back.
            if (error instanceof ArchivedObjectError) return { manifest: undefined, archived: error.storageClass };
            throw error;
          },
        )
      : { manifest: undefined },
    recordKey
      ? getJson(s3, bucket, recordKey, STORED_DOCUMENTS.verification).catch((error: unknown) => {
          if (error instanceof ArchivedObjectError) return undefined;
          throw error;
        })
      : undefined,
  ]);
  const manifest: BackupManifest | undefined = read.manifest;
  // The tier the dump tagged the objects with, as its manifest records it: the expiry of that tier's rule.
  const tags = manifest?.retentionTier ? { [RETENTION_TIER_TAG]: manifest.retentionTier } : undefined;
  const storage = storageFacts(versions, manifest?.dump.key ?? dumpKey(databaseId, backupId), manifest?.dump.versionId, retention, tags);
  const verified = verification
    ? {
        passed: verification.passed,
        verifiedAt: verification.verifiedAt,
        ...(verification.restoreSeconds !== undefined ? { restoreSeconds: verification.restoreSeconds } : {}),
        mismatches: verification.mismatches,
      }
    : null;
  const facts = { ...(storage ? { storage } : {}), ...('archived' in read ? { manifestArchived: read.archived } : {}) };
  if (!manifest) {
    return { backupId, takenAt: backupIdTime(backupId).toISOString(), complete: 'archived' in read, ...facts, verification: verified };
  }
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
    ...(manifest.retentionTier ? { retentionTier: manifest.retentionTier } : {}),
    ...facts,
    verification: verified,
  };
}

/** The backups, the safety dumps and the last restore of a database: everything `pg-backup list` shows. */
export async function listCatalog(s3: S3Client, bucket: string, databaseId: string, limit: number): Promise<DatabaseCatalog> {
  const retention = await readBucketRetention(s3, bucket);
  const [backups, safetyDumps, restore] = await Promise.all([
    listBackups(s3, bucket, databaseId, limit, retention),
    listSafetyDumps(s3, bucket, databaseId, limit),
    lastRestore(s3, bucket, databaseId),
  ]);
  return { backups, safetyDumps, lastRestore: restore ? { ...restore.record, recordKey: restore.key } : null };
}

async function listSafetyDumps(s3: S3Client, bucket: string, databaseId: string, limit: number): Promise<SafetyDumpListing[]> {
  const ids = (await listSafetyDumpIds(s3, bucket, databaseId)).slice(0, limit);
  const manifests = await existingKeys(s3, bucket, safetyDumpsPrefix(databaseId));
  return Promise.all(
    ids.map(async (id): Promise<SafetyDumpListing> => {
      const key = safetyManifestKey(databaseId, id);
      const manifest = manifests.has(key) ? await getJson(s3, bucket, key, STORED_DOCUMENTS.manifest) : undefined;
      if (!manifest) return { backup: `safety/${id}`, takenAt: backupIdTime(id).toISOString(), complete: false };
      return {
        backup: `safety/${id}`,
        takenAt: manifest.startedAt,
        complete: true,
        ...(manifest.safetyDumpOf ? { restoreOf: manifest.safetyDumpOf.restoreOf, target: manifest.safetyDumpOf.target } : {}),
        storedBytes: manifest.dump.storedBytes,
        tables: manifest.tables.length,
      };
    }),
  );
}
