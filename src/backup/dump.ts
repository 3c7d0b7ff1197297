import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { putJson } from '../aws/s3-json.js';
import { dumpKey, globalsKey, manifestKey, newBackupId } from '../contract/layout.js';
import { type BackupManifest, SCHEMA_VERSION, type StoredObject } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { postgresBinary } from '../postgres/binaries.js';
import { type ConnectionTarget, connect, describeTarget, libpqEnvironment } from '../postgres/connection.js';
import { explainMissingPrivilege } from '../postgres/privilege-errors.js';
import { countTableRows } from '../postgres/table-counts.js';
import { checkToolVersion, toolVersion } from '../postgres/versions.js';
import { startTool } from '../process/child-process.js';
import type { Reporter } from '../reporting/reporter.js';
import { uploadCompressed } from './compressed-upload.js';
import { publishAsLatest } from './latest-pointer.js';

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
  /** zstd level. @default 3 */
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
 *     S3 multipart upload, while the same transaction counts every table's rows exactly;
 *  3. the roles and memberships (pg_dumpall --globals-only --no-role-passwords);
 *  4. the manifest; and only then 5. the latest pointer.
 * A failure at any step leaves the pointer, and every earlier backup, as they were.
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
  try {
    const serverVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    const pgDumpVersion = await toolVersion(pgDumpBinary);
    checkToolVersion('pg_dump', pgDumpVersion, serverVersion);

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
    });

    const pgDump = startTool(
      'pg_dump',
      pgDumpBinary,
      ['--format=custom', '--compress=0', `--snapshot=${snapshot}`, '--lock-wait-timeout=120s', '--no-password'],
      { env: libpqEnvironment(source) },
    );
    reporter.event('pg_dump running', { pid: pgDump.child.pid });
    const [dump, tables] = await Promise.all([
      uploadCompressed({
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
      }),
      countTableRows(client).catch((error: unknown) => {
        pgDump.kill();
        throw new PgBackupError(`counting rows in the dump's snapshot failed: ${(error as Error).message}`, { cause: error });
      }),
    ]);
    await client.query('COMMIT');
    reporter.event('dump uploaded', { key: dump.key, rawBytes: dump.rawBytes, storedBytes: dump.storedBytes, sha256: dump.sha256 });

    const globals = destination.globalsKey ? await dumpGlobals(options, destination.globalsKey) : undefined;
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
    };
  } catch (error) {
    // A login without a privilege the dump needs: say which, on what, and where the SQL that grants it is.
    throw explainMissingPrivilege(error, source.user);
  } finally {
    await client.end().catch(() => undefined);
  }

  if (options.signal?.aborted) throw new PgBackupError('interrupted before the manifest was written: nothing was published');
  const manifestVersionId = await putJson(s3, bucket, destination.manifestKey, manifest, options.kmsKeyId, { create: true });
  return { manifest, ...(manifestVersionId ? { manifestVersionId } : {}) };
}

/** Roles and memberships, so a restore onto a fresh server can recreate them first. Works on RDS (no passwords read). */
async function dumpGlobals(options: DumpOptions, key: string): Promise<StoredObject> {
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
  });
  return stored;
}
