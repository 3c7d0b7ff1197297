import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { safetyDumpKey } from '../contract/layout.js';
import type { BackupManifest } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { postgresBinary } from '../postgres/binaries.js';
import { type ConnectionTarget, connect, describeTarget, libpqEnvironment } from '../postgres/connection.js';
import { pgRestore } from '../postgres/pg-restore.js';
import { countTableRows, tableLabel } from '../postgres/table-counts.js';
import { startTool } from '../process/child-process.js';
import type { Reporter } from '../reporting/reporter.js';
import { type CompressedUploadResult, uploadCompressed } from './compressed-upload.js';
import { downloadDecompressed } from './download-dump.js';
import { compareRowCounts } from './row-count-comparison.js';
import { applyStoredRoles } from './stored-roles.js';

export interface RestoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly manifest: BackupManifest;
  readonly target: ConnectionTarget;
  /** Overwrite a target that holds tables, after writing a safety dump of it to the bucket. */
  readonly replace?: boolean;
  /** Apply the backup's stored roles and memberships before the data. */
  readonly withRoles?: boolean;
  /** Restore without ownership (every object owned by the connecting user). */
  readonly noOwner?: boolean;
  /** Asked once the plan is known and before anything changes; false cancels. */
  readonly confirm: (plan: RestorePlan) => Promise<boolean>;
  readonly reporter: Reporter;
  readonly kmsKeyId?: string;
  readonly workDir?: string;
  readonly parallelJobs?: number;
}

export interface RestorePlan {
  readonly backupId: string;
  readonly target: string;
  /** Tables the target holds now (what --replace overwrites). */
  readonly existingTables: readonly string[];
}

export interface RestoreResult {
  readonly backupId: string;
  readonly target: string;
  readonly restoreSeconds: number;
  readonly tables: number;
  readonly rows: number;
  /** Where the target's previous content was saved (with --replace on a non-empty target). */
  readonly safetyDump?: CompressedUploadResult;
}

/** A restore was refused or cancelled before anything changed. */
export class RestoreRefusedError extends PgBackupError {}

/**
 * Restores a backup into an existing database. A target that holds tables is refused and left
 * untouched unless `replace`; then its content is first dumped to databases/<id>/safety/<time>/.
 * Runs ANALYZE after, and checks every table's row count against the manifest.
 */
export async function runRestore(options: RestoreOptions): Promise<RestoreResult> {
  const { manifest, target, reporter } = options;
  const targetName = describeTarget(target);
  const existingTables = await listTables(target);
  if (existingTables.length > 0 && !options.replace) {
    throw new RestoreRefusedError(
      `target ${targetName} already holds ${existingTables.length} table(s) (${existingTables.slice(0, 5).join(', ')}${existingTables.length > 5 ? ', ...' : ''}); ` +
        'nothing was changed. Restore into an empty database, or pass --replace to overwrite it after a safety dump of its current content to the bucket',
    );
  }
  if (!(await options.confirm({ backupId: manifest.backupId, target: targetName, existingTables }))) {
    throw new RestoreRefusedError('restore cancelled; nothing was changed');
  }

  const workDir = mkdtempSync(join(options.workDir ?? tmpdir(), 'pg-backup-restore-'));
  chmodSync(workDir, 0o700);
  try {
    let safetyDump: CompressedUploadResult | undefined;
    if (existingTables.length > 0) {
      safetyDump = await writeSafetyDump(options);
      reporter.event('safety dump stored', { key: safetyDump.key, storedBytes: safetyDump.storedBytes, sha256: safetyDump.sha256 });
    }

    const dumpFile = join(workDir, 'dump.pgdump');
    await downloadDecompressed(options.s3, options.bucket, manifest.dump, dumpFile, reporter, 'download');
    reporter.event('checksum ok', { key: manifest.dump.key });

    if (options.withRoles) {
      if (!manifest.globals) throw new PgBackupError(`backup ${manifest.backupId} has no stored roles: restore without --with-roles`);
      await applyStoredRoles(options.s3, options.bucket, manifest.globals, workDir, target, reporter);
    }

    reporter.event('restore started', { backupId: manifest.backupId, target: targetName, replace: Boolean(options.replace) });
    const restoreSeconds = await pgRestore(dumpFile, target, {
      parallelJobs: options.parallelJobs,
      clean: existingTables.length > 0,
      noOwner: options.noOwner,
    });

    const client = await connect(target, 'restored database');
    let counts: Awaited<ReturnType<typeof countTableRows>>;
    try {
      await client.query('ANALYZE');
      await client.query('BEGIN');
      counts = await countTableRows(client);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    const mismatches = compareRowCounts(manifest.tables, counts).filter(
      (m) => !options.replace || !/was restored but is not in the manifest/.test(m),
    );
    if (mismatches.length > 0)
      throw new PgBackupError(`restore into ${targetName} finished but does not match the manifest: ${mismatches.join('; ')}`);
    const result: RestoreResult = {
      backupId: manifest.backupId,
      target: targetName,
      restoreSeconds,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
      ...(safetyDump ? { safetyDump } : {}),
    };
    reporter.event('restore complete', { ...result });
    return result;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** User tables of the target (what a restore would collide with), as "schema.table". */
async function listTables(target: ConnectionTarget): Promise<string[]> {
  const client = await connect(target, 'restore target');
  try {
    const { rows } = await client.query<{ schema: string; table: string }>(`
      SELECT n.nspname AS schema, c.relname AS table
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`);
    return rows.map(tableLabel);
  } finally {
    await client.end();
  }
}

/** The target's current content, to databases/<id>/safety/<time>/, before --replace overwrites it. */
async function writeSafetyDump(options: RestoreOptions): Promise<CompressedUploadResult> {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const pgDump = startTool('pg_dump', postgresBinary('pg_dump'), ['--format=custom', '--compress=0', '--no-password'], {
    env: libpqEnvironment(options.target),
  });
  return uploadCompressed({
    s3: options.s3,
    bucket: options.bucket,
    key: safetyDumpKey(options.manifest.databaseId, stamp),
    kmsKeyId: options.kmsKeyId,
    producer: pgDump,
    reporter: options.reporter,
    step: 'safety dump',
  });
}
