import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { putJson } from '../aws/s3-json.js';
import { dumpKey, globalsKey, manifestKey, newBackupId } from '../contract/layout.js';
import { type BackupManifest, SCHEMA_VERSION, type StoredObject, type TableRowCount } from '../contract/manifest.js';
import { type RetentionTier, retentionTagging } from '../contract/retention-tiers.js';
import { PgBackupError } from '../errors.js';
import { postgresBinary } from '../postgres/binaries.js';
import { type ConnectionTarget, connect, describeTarget, libpqEnvironment } from '../postgres/connection.js';
import { ArchiveRowCounter } from '../postgres/custom-archive/archive-row-counter.js';
import { explainMissingPrivilege } from '../postgres/privilege-errors.js';
import { checkToolVersion, toolVersion } from '../postgres/versions.js';
import { type RunningTool, startTool } from '../process/child-process.js';
import { openSocketOutput } from '../process/socket-output.js';
import type { Reporter } from '../reporting/reporter.js';
import { uploadCompressed } from './compressed-upload.js';
import { publishAsLatest } from './latest-pointer.js';
import { decideRetentionTier } from './retention-tier.js';

export interface DumpOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly databaseId: string;
  readonly source: ConnectionTarget;
  /** Recorded in the manifest when the source was found through RDS. */
  readonly rdsInstance?: string;
  /** SSE-KMS key for every object. @default - the bucket's default encryption */
  readonly kmsKeyId?: string;
  readonly reporter: Reporter;
  /** zstd level. @default DEFAULT_ZSTD_LEVEL */
  readonly compressionLevel?: number;
  /** Multipart part size. @default UPLOAD_PART_BYTES */
  readonly partBytes?: number;
  /** Aborting stops pg_dump and aborts the upload: the backup is not published. */
  readonly signal?: AbortSignal;
  /** The database's smoke queries, kept in the manifest for `restore`. @default - none */
  readonly smokeQueries?: readonly string[];
}

/** Where one dump goes: the id its manifest carries and its three keys. */
export interface DumpDestination {
  readonly backupId: string;
  readonly dumpKey: string;
  /** Where the roles and memberships go. @default - not stored (a safety dump: its roles are on the server) */
  readonly globalsKey?: string;
  readonly manifestKey: string;
  /** What the manifest says a safety dump was taken before. @default - a backup */
  readonly safetyDumpOf?: BackupManifest['safetyDumpOf'];
}

/**
 * One backup of one database:
 *  1. open a REPEATABLE READ transaction and export its snapshot;
 *  2. pg_dump (custom format, uncompressed) on that snapshot, through zstd and SHA-256, into an
 *     S3 multipart upload; on its way to zstd the archive is read and every table's rows are
 *     counted exactly in its COPY data (the source is read once, by pg_dump);
 *  3. the roles and memberships (pg_dumpall --globals-only --no-role-passwords);
 *  4. the manifest; and only then 5. the latest pointer.
 * A failure at any step leaves the pointer, and every earlier backup, as they were. The three objects of the
 * backup are tagged with its retention tier as they are written (daily, weekly or monthly: decided from the
 * pointer before the dump starts, src/contract/retention-tiers.ts), and the manifest records it.
 */
export async function runDump(options: DumpOptions): Promise<BackupManifest> {
  const { s3, bucket, databaseId, reporter } = options;
  const backupId = newBackupId(new Date(), randomBytes(3).toString('hex'));
  const { manifest, manifestVersionId } = await dumpToBucket(options, {
    backupId,
    dumpKey: dumpKey(databaseId, backupId),
    globalsKey: globalsKey(databaseId, backupId),
    manifestKey: manifestKey(databaseId, backupId),
  });
  await publishAsLatest(s3, bucket, manifest, manifestVersionId, options.kmsKeyId, reporter);
  reporter.event('backup complete', {
    databaseId,
    backupId,
    durationSeconds: manifest.durationSeconds,
    rawBytes: manifest.rawBytes,
    storedBytes: manifest.dump.storedBytes,
    tables: manifest.tables.length,
    retentionTier: manifest.retentionTier,
  });
  return manifest;
}

/**
 * Steps 1 to 4 of runDump into `destination`: the dump, its exact row counts from the same snapshot, the roles
 * (when the destination keeps them) and the manifest, written create-only. Publishes nothing: runDump moves the
 * latest pointer, a safety dump (src/backup/safety-dump.ts) is found by its own key.
 */
export async function dumpToBucket(
  options: DumpOptions,
  destination: DumpDestination,
): Promise<{ manifest: BackupManifest; manifestVersionId?: string }> {
  const { s3, bucket, databaseId, source, reporter } = options;
  const { backupId } = destination;
  const started = new Date();
  const pgDumpBinary = postgresBinary('pg_dump');

  const client = await connect(source, 'source database');
  let manifest: BackupManifest;
  // A backup is tagged with its retention tier; a safety dump is not: it lives under its own prefix and lifecycle.
  let retentionTier: RetentionTier | undefined;
  try {
    const serverVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    const pgDumpVersion = await toolVersion(pgDumpBinary);
    checkToolVersion('pg_dump', pgDumpVersion, serverVersion);
    // After the source answered: a database that cannot be reached is the first thing to say.
    retentionTier = destination.safetyDumpOf ? undefined : await decideRetentionTier(s3, bucket, databaseId, started, reporter);
    const tagging = retentionTier && retentionTagging(retentionTier);

    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { snapshot, size } = (
      await client.query<{ snapshot: string; size: string }>(
        'SELECT pg_export_snapshot() AS snapshot, pg_database_size(current_database()) AS size',
      )
    ).rows[0];
    reporter.event('dump started', {
      databaseId,
      backupId,
      source: describeTarget(source),
      serverVersion,
      pgDumpVersion,
      databaseBytes: Number(size),
      retentionTier,
    });

    // pg_dump writes into a socket read with reused buffers (see process/socket-output.ts).
    const output = await openSocketOutput();
    let pgDump: RunningTool;
    try {
      pgDump = startTool(
        'pg_dump',
        pgDumpBinary,
        ['--format=custom', '--compress=0', `--snapshot=${snapshot}`, '--lock-wait-timeout=120s', '--no-password'],
        { env: libpqEnvironment(source), stdio: ['ignore', output.childEnd, 'pipe'] },
      );
    } catch (error) {
      output.destroy();
      throw error;
    } finally {
      output.childStarted();
    }
    reporter.event('pg_dump running', { pid: pgDump.child.pid });
    const rowCounter = new ArchiveRowCounter();
    let tables: TableRowCount[] = [];
    const dump = await uploadCompressed({
      s3,
      bucket,
      key: destination.dumpKey,
      kmsKeyId: options.kmsKeyId,
      producer: pgDump,
      reporter,
      step: 'dump',
      estimatedBytes: Number(size),
      compressionLevel: options.compressionLevel,
      partBytes: options.partBytes,
      signal: options.signal,
      output,
      tagging,
      inspector: {
        write: (chunk) => rowCounter.write(chunk),
        end: () => {
          tables = rowCounter.finish();
        },
      },
    });
    await client.query('COMMIT');
    reporter.event('dump uploaded', { key: dump.key, rawBytes: dump.rawBytes, storedBytes: dump.storedBytes, sha256: dump.sha256 });

    const globals = destination.globalsKey ? await dumpGlobals(options, destination.globalsKey, tagging) : undefined;
    const finished = new Date();
    const { rawBytes, ...dumpObject } = dump;
    manifest = {
      schemaVersion: SCHEMA_VERSION,
      databaseId,
      backupId,
      source: {
        host: source.host,
        port: source.port,
        database: source.database,
        ...(options.rdsInstance ? { rdsInstance: options.rdsInstance } : {}),
      },
      serverVersion,
      pgDumpVersion,
      format: 'custom',
      compression: 'zstd',
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationSeconds: (finished.getTime() - started.getTime()) / 1000,
      rawBytes,
      dump: dumpObject,
      ...(globals ? { globals } : {}),
      tables,
      ...(options.smokeQueries?.length ? { smokeQueries: [...options.smokeQueries] } : {}),
      ...(destination.safetyDumpOf ? { safetyDumpOf: destination.safetyDumpOf } : {}),
      ...(retentionTier ? { retentionTier } : {}),
    };
  } catch (error) {
    // A login without a privilege the dump needs: say which, on what, and where the SQL that grants it is.
    throw explainMissingPrivilege(error, source.user);
  } finally {
    await client.end().catch(() => undefined);
  }

  if (options.signal?.aborted) throw new PgBackupError('interrupted before the manifest was written: nothing was published');
  const manifestVersionId = await putJson(
    s3,
    bucket,
    destination.manifestKey,
    manifest,
    options.kmsKeyId,
    { create: true },
    retentionTier && retentionTagging(retentionTier),
  );
  return { manifest, ...(manifestVersionId ? { manifestVersionId } : {}) };
}

/** Roles and memberships, so a restore onto a fresh server can recreate them first. Works on RDS (no passwords read). */
async function dumpGlobals(options: DumpOptions, key: string, tagging: string | undefined): Promise<StoredObject> {
  const pgDumpAll = startTool(
    'pg_dumpall',
    postgresBinary('pg_dumpall'),
    ['--globals-only', '--no-role-passwords', '--no-password', '-l', options.source.database],
    {
      env: libpqEnvironment(options.source),
    },
  );
  const { rawBytes: _raw, ...stored } = await uploadCompressed({
    s3: options.s3,
    bucket: options.bucket,
    key,
    kmsKeyId: options.kmsKeyId,
    producer: pgDumpAll,
    reporter: options.reporter,
    step: 'globals',
    signal: options.signal,
    tagging,
  });
  return stored;
}
