import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { putJson, updateJson } from '../aws/s3-json.js';
import { latestVerificationKey, verificationKey } from '../contract/layout.js';
import {
  type BackupManifest,
  type RecoveryTimes,
  SCHEMA_VERSION,
  STORED_DOCUMENTS,
  type VerificationRecord,
} from '../contract/manifest.js';
import { type ConnectionTarget, connect } from '../postgres/connection.js';
import { pgRestore } from '../postgres/pg-restore.js';
import { countTableRows } from '../postgres/table-counts.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../postgres/throwaway-cluster.js';
import type { Reporter } from '../reporting/reporter.js';
import { ChecksumMismatchError, downloadDecompressed } from './download-dump.js';
import { compareRowCounts } from './row-count-comparison.js';
import { runSmokeQueries } from './smoke-queries.js';
import { applyStoredRoles } from './stored-roles.js';

export interface VerifyOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly manifest: BackupManifest;
  readonly reporter: Reporter;
  /** SQL run against the restored database; each must succeed and return a true, non-zero, non-empty first value. */
  readonly smokeQueries?: readonly string[];
  /** Where the dump and the throwaway cluster live while verifying. @default the OS temp folder */
  readonly workDir?: string;
  /** @default one per core */
  readonly parallelJobs?: number;
  /** SSE-KMS key for the records. @default - the bucket default */
  readonly kmsKeyId?: string;
}

/**
 * Proves a backup restorable: download with checksum, restore into a throwaway PostgreSQL, ANALYZE, compare
 * every table's exact row count with the manifest, run the smoke queries, and store the verdict
 * beside the manifest and as the database's latest verification. Each step is timed: their sum is the
 * recovery time a restore of this backup takes (the record's `recovery`, what the RTO is measured against).
 * The throwaway cluster and the downloaded files are always removed. Never throws for a bad backup: it
 * returns a failed record.
 */
export async function runVerify(options: VerifyOptions): Promise<VerificationRecord> {
  const { manifest, reporter } = options;
  const workDir = mkdtempSync(join(options.workDir ?? tmpdir(), 'pg-backup-verify-'));
  // The throwaway cluster may run as another OS user (never root): it must be able to pass through.
  chmodSync(workDir, 0o711);
  const mismatches: string[] = [];
  let checksumOk = false;
  let restoreSeconds: number | undefined;
  let recovery: RecoveryTimes | undefined;
  let smokeResults: VerificationRecord['smokeQueries'] = [];
  let cluster: ThrowawayCluster | undefined;
  reporter.event('verify started', {
    databaseId: manifest.databaseId,
    backupId: manifest.backupId,
    storedBytes: manifest.dump.storedBytes,
  });

  try {
    const dumpFile = join(workDir, 'dump.pgdump');
    const { seconds: downloadSeconds } = await downloadDecompressed(
      options.s3,
      options.bucket,
      manifest.dump,
      dumpFile,
      reporter,
      'download',
    );
    checksumOk = true;
    reporter.event('checksum ok', { key: manifest.dump.key, sha256: manifest.dump.sha256 });

    cluster = await startThrowawayCluster({ parentDir: workDir });
    const admin = await connect(clusterTarget(cluster, 'postgres'), 'throwaway cluster');
    try {
      // The source may be the `postgres` database itself (common on RDS), which initdb already made.
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [manifest.source.database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(manifest.source.database)}`);
    } finally {
      await admin.end();
    }
    const target = clusterTarget(cluster, manifest.source.database);
    // The backup's roles keep every owner, grant and policy as they were; without them, skip ownership.
    const globals = manifest.globals;
    const rolesSeconds = globals
      ? await timed(() => applyStoredRoles(options.s3, options.bucket, globals, workDir, { ...target, database: 'postgres' }, reporter))
      : undefined;
    const noOwner = !manifest.globals;

    reporter.event('restore started', { parallelJobs: options.parallelJobs ?? availableParallelism() });
    restoreSeconds = await pgRestore(dumpFile, target, { parallelJobs: options.parallelJobs, noOwner });
    reporter.event('restore finished', { restoreSeconds });

    const client = await connect(target, 'restored database');
    try {
      // As a restore does: a restored database has no planner statistics until ANALYZE.
      const analyzeSeconds = await timed(() => client.query('ANALYZE'));
      const countSeconds = await timed(async () => {
        await client.query('BEGIN');
        mismatches.push(...compareRowCounts(manifest.tables, await countTableRows(client)));
        await client.query('COMMIT');
      });
      const smokeQueriesSeconds = await timed(async () => {
        smokeResults = await runSmokeQueries(client, options.smokeQueries ?? []);
      });
      const steps = { downloadSeconds, rolesSeconds: rolesSeconds ?? 0, restoreSeconds, analyzeSeconds, countSeconds, smokeQueriesSeconds };
      recovery = {
        totalSeconds: round(Object.values(steps).reduce((sum, step) => sum + step, 0)),
        downloadSeconds: round(downloadSeconds),
        ...(rolesSeconds !== undefined ? { rolesSeconds: round(rolesSeconds) } : {}),
        restoreSeconds: round(restoreSeconds),
        analyzeSeconds: round(analyzeSeconds),
        countSeconds: round(countSeconds),
        smokeQueriesSeconds: round(smokeQueriesSeconds),
      };
      reporter.event('recovery measured', { ...recovery });
    } finally {
      await client.end();
    }
    for (const failed of smokeResults.filter((q) => !q.passed)) mismatches.push(`smoke query failed: ${failed.sql}: ${failed.error}`);
  } catch (error) {
    mismatches.push(
      error instanceof ChecksumMismatchError ? error.message : `verification could not complete: ${(error as Error).message}`,
    );
  } finally {
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }

  const verifiedAt = new Date();
  const record: VerificationRecord = {
    schemaVersion: SCHEMA_VERSION,
    databaseId: manifest.databaseId,
    backupId: manifest.backupId,
    verifiedAt: verifiedAt.toISOString(),
    passed: mismatches.length === 0,
    checksumOk,
    ...(restoreSeconds !== undefined ? { restoreSeconds } : {}),
    ...(recovery ? { recovery } : {}),
    mismatches,
    smokeQueries: smokeResults,
  };
  // Each verification has its own record (create-only); the pointer to the newest is replaced only as read.
  await putJson(options.s3, options.bucket, verificationKey(manifest.databaseId, manifest.backupId, verifiedAt), record, options.kmsKeyId, {
    create: true,
  });
  await updateJson(
    options.s3,
    options.bucket,
    latestVerificationKey(manifest.databaseId),
    STORED_DOCUMENTS.verification,
    options.kmsKeyId,
    ({ document }) =>
      // A verification that ran while a newer one finished first does not displace it.
      document && document.verifiedAt > record.verifiedAt ? document : record,
  );
  if (record.passed)
    reporter.event('verify passed', {
      backupId: record.backupId,
      restoreSeconds,
      recoverySeconds: recovery?.totalSeconds,
      tables: manifest.tables.length,
    });
  else for (const mismatch of mismatches) reporter.warn('verify failed', { backupId: record.backupId, mismatch });
  return record;
}

/** Wall seconds `work` takes. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** Milliseconds are the clock's resolution here. */
function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function clusterTarget(cluster: ThrowawayCluster, database: string): ConnectionTarget {
  return { host: cluster.socketDir, port: cluster.port, database, user: cluster.superuser };
}
