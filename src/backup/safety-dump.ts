import type { S3Client } from '@aws-sdk/client-s3';
import { SAFETY_DUMP_PREFIX, safetyDumpKey, safetyManifestKey } from '../contract/layout.js';
import type { BackupManifest } from '../contract/manifest.js';
import { type ConnectionTarget, describeTarget } from '../postgres/connection.js';
import type { Reporter } from '../reporting/reporter.js';
import { dumpToBucket } from './dump.js';

export interface SafetyDumpOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly databaseId: string;
  /** The database about to be overwritten. */
  readonly target: ConnectionTarget;
  /** What is about to be restored over it (a backup id, or safety/<time>). */
  readonly restoreOf: string;
  /** Kept in its manifest, so putting it back runs them too. */
  readonly smokeQueries: readonly string[];
  readonly kmsKeyId?: string;
  readonly reporter: Reporter;
}

/** A safety dump's id: the second it was taken, `20261125T030000Z`. */
export function safetyDumpId(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * What `restore --replace` saves of its target before overwriting it, exactly as a backup is taken (one snapshot,
 * exact row counts in it, SHA-256) into databases/<id>/safety/<time>/ with a manifest of its own, so
 * `restore --backup safety/<time>` can put it back and check every table's rows. Not published as a backup.
 */
export async function runSafetyDump(options: SafetyDumpOptions): Promise<BackupManifest> {
  const safetyId = safetyDumpId(new Date());
  const { manifest } = await dumpToBucket(
    {
      s3: options.s3,
      bucket: options.bucket,
      databaseId: options.databaseId,
      source: options.target,
      reporter: options.reporter,
      smokeQueries: options.smokeQueries,
      ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}),
    },
    {
      backupId: safetyId,
      dumpKey: safetyDumpKey(options.databaseId, safetyId),
      manifestKey: safetyManifestKey(options.databaseId, safetyId),
      safetyDumpOf: { restoreOf: options.restoreOf, target: describeTarget(options.target) },
    },
  );
  options.reporter.event('safety dump stored', {
    backup: `${SAFETY_DUMP_PREFIX}${safetyId}`,
    key: manifest.dump.key,
    storedBytes: manifest.dump.storedBytes,
    tables: manifest.tables.length,
  });
  return manifest;
}
