import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupManifest } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { type ConnectionTarget, connect, describeTarget } from '../postgres/connection.js';
import { pgRestore } from '../postgres/pg-restore.js';
import { countTableRows, tableLabel } from '../postgres/table-counts.js';
import { describeSessions, otherSessions, type TargetSession, terminateOtherSessions } from '../postgres/target-sessions.js';
import type { Reporter } from '../reporting/reporter.js';
import { backupReference } from './backup-catalog.js';
import { downloadDecompressed } from './download-dump.js';
import { compareRowCounts } from './row-count-comparison.js';
import { runSafetyDump } from './safety-dump.js';
import { runSmokeQueries, type SmokeQueryResult } from './smoke-queries.js';
import { applyStoredRoles } from './stored-roles.js';

export interface RestoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The backup's (or safety dump's) manifest. */
  readonly manifest: BackupManifest;
  readonly target: ConnectionTarget;
  /** Overwrite a target that holds tables, after a safety dump of it to the bucket (with a manifest: it can be put back). */
  readonly replace?: boolean;
  /** End the other sessions on the target first; without it a target with other sessions is refused. */
  readonly terminateConnections?: boolean;
  /** Apply the backup's stored roles and memberships before the data. */
  readonly withRoles?: boolean;
  /** Restore without ownership (every object owned by the connecting user). */
  readonly noOwner?: boolean;
  /**
   * Run on the target once restored; each must succeed and return a true, non-zero, non-empty first value.
   * @default - the manifest's (the database's smoke queries when it was dumped)
   */
  readonly smokeQueries?: readonly string[];
  /** Asked once the plan is known and before anything changes; false cancels. */
  readonly confirm: (plan: RestorePlan) => Promise<boolean>;
  readonly reporter: Reporter;
  readonly kmsKeyId?: string;
  readonly workDir?: string;
  readonly parallelJobs?: number;
  /** Filled in as the restore goes, so a failure can be recorded with what had already happened. */
  readonly observed?: RestoreObservations;
  /** Reasons to refuse found before (the backup's verification): reported together with the target's. */
  readonly refusals?: readonly string[];
}

/** What a restore did so far: read by the audit record whether it succeeded or not. */
export interface RestoreObservations {
  /** Whether anything on the target changed (sessions ended, data replaced). */
  changed?: boolean;
  terminatedSessions?: number;
  safetyDump?: BackupManifest;
  restoreSeconds?: number;
  smokeQueries?: SmokeQueryResult[];
}

export interface RestorePlan {
  /** The backup id, or safety/<time>. */
  readonly backup: string;
  readonly target: string;
  /** Tables the target holds now (what --replace overwrites). */
  readonly existingTables: readonly string[];
  /** Other sessions on the target (what --terminate-connections ends). */
  readonly otherSessions: readonly TargetSession[];
}

export interface RestoreResult {
  /** The backup id, or safety/<time>. */
  readonly backup: string;
  readonly target: string;
  readonly restoreSeconds: number;
  readonly tables: number;
  readonly rows: number;
  /** What the target held before (with --replace on a non-empty target): restore `safety/<its id>` to put it back. */
  readonly safetyDump?: BackupManifest;
  readonly terminatedSessions: number;
  readonly smokeQueries: readonly SmokeQueryResult[];
}

/** A guard rail refused the restore, or the person cancelled it, before anything changed. */
export class RestoreRefusedError extends PgBackupError {}

/**
 * Restores a backup into an existing database. Refused, with nothing changed, when the target holds tables
 * (unless `replace`: its content is first saved as a safety dump with a manifest), or when other sessions are
 * connected to it (unless `terminateConnections`: they are ended first). The backup is downloaded and its
 * checksum checked before the target is touched. Afterwards: ANALYZE, every table's row count against the
 * manifest, and the smoke queries on the target; any of them failing fails the restore.
 */
export async function runRestore(options: RestoreOptions): Promise<RestoreResult> {
  const { manifest, target, reporter } = options;
  const observed = options.observed ?? {};
  const targetName = describeTarget(target);
  const backup = backupReference(manifest);
  const smokeQueries = options.smokeQueries ?? manifest.smokeQueries ?? [];
  const { existingTables, sessions } = await inspectTarget(target);
  // Every reason to refuse at once, so one retry with the right flags is enough.
  const refusals = [...(options.refusals ?? [])];
  if (existingTables.length > 0 && !options.replace) {
    refusals.push(
      `target ${targetName} already holds ${existingTables.length} table(s) (${existingTables.slice(0, 5).join(', ')}${existingTables.length > 5 ? ', ...' : ''}): ` +
        'restore into an empty database, or pass --replace to overwrite it after a safety dump of its current content to the bucket',
    );
  }
  if (sessions.length > 0 && !options.terminateConnections) {
    refusals.push(
      `target ${targetName} has ${sessions.length} other session(s) connected (${describeSessions(sessions)}): ` +
        'stop the application that uses it, or pass --terminate-connections to end them first (pg_terminate_backend: the restoring login needs pg_signal_backend; docs/cli.md)',
    );
  }
  if (refusals.length > 0)
    throw new RestoreRefusedError(`restore refused; nothing was changed:\n${refusals.map((r) => `  - ${r}`).join('\n')}`);
  if (!(await options.confirm({ backup, target: targetName, existingTables, otherSessions: sessions }))) {
    throw new RestoreRefusedError('restore cancelled; nothing was changed');
  }

  const workDir = mkdtempSync(join(options.workDir ?? tmpdir(), 'pg-backup-restore-'));
  chmodSync(workDir, 0o700);
  try {
    // The backup first: a damaged or unreadable one stops the restore before the target is touched.
    const dumpFile = join(workDir, 'dump.pgdump');
    await downloadDecompressed(options.s3, options.bucket, manifest.dump, dumpFile, reporter, 'download');
    reporter.event('checksum ok', { key: manifest.dump.key });
    if (options.withRoles && !manifest.globals)
      throw new PgBackupError(`backup ${backup} has no stored roles: restore without --with-roles`);

    if (options.terminateConnections) observed.terminatedSessions = await endSessions(target, reporter, observed);
    if (existingTables.length > 0) {
      observed.safetyDump = await runSafetyDump({
        s3: options.s3,
        bucket: options.bucket,
        databaseId: manifest.databaseId,
        target,
        restoreOf: backup,
        smokeQueries,
        reporter,
        ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}),
      });
      // Sessions that connected while the safety dump ran would hold locks pg_restore --clean waits for.
      if (options.terminateConnections) observed.terminatedSessions! += await endSessions(target, reporter, observed);
    }

    if (options.withRoles) {
      observed.changed = true;
      await applyStoredRoles(options.s3, options.bucket, manifest.globals!, workDir, target, reporter);
    }
    reporter.event('restore started', { backup, target: targetName, replace: Boolean(options.replace) });
    observed.changed = true;
    const restoreSeconds = await pgRestore(dumpFile, target, {
      parallelJobs: options.parallelJobs,
      clean: existingTables.length > 0,
      noOwner: options.noOwner,
    });
    observed.restoreSeconds = restoreSeconds;

    const client = await connect(target, 'restored database');
    let counts: Awaited<ReturnType<typeof countTableRows>>;
    try {
      await client.query('ANALYZE');
      await client.query('BEGIN');
      counts = await countTableRows(client);
      await client.query('COMMIT');
      observed.smokeQueries = await runSmokeQueries(client, smokeQueries);
    } finally {
      await client.end();
    }
    const mismatches = compareRowCounts(manifest.tables, counts).filter(
      (m) => !options.replace || !/was restored but is not in the manifest/.test(m),
    );
    if (mismatches.length > 0)
      throw new PgBackupError(`restore into ${targetName} finished but does not match the manifest: ${mismatches.join('; ')}`);
    const failedQueries = observed.smokeQueries.filter((q) => !q.passed);
    if (failedQueries.length > 0) {
      throw new PgBackupError(
        `restore into ${targetName} finished, but ${failedQueries.length} of ${smokeQueries.length} smoke queries FAILED on it: ` +
          `${failedQueries.map((q) => `${q.sql}: ${q.error}`).join('; ')}. Do not send traffic to it before you know why` +
          (observed.safetyDump ? `; its previous content is safety/${observed.safetyDump.backupId}` : ''),
      );
    }
    const result: RestoreResult = {
      backup,
      target: targetName,
      restoreSeconds,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
      terminatedSessions: observed.terminatedSessions ?? 0,
      smokeQueries: observed.smokeQueries,
      ...(observed.safetyDump ? { safetyDump: observed.safetyDump } : {}),
    };
    reporter.event('restore complete', {
      backup,
      target: targetName,
      restoreSeconds,
      tables: result.tables,
      rows: result.rows,
      smokeQueries: smokeQueries.length,
      ...(observed.safetyDump ? { safetyDump: `safety/${observed.safetyDump.backupId}` } : {}),
    });
    return result;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The target's user tables (what a restore would collide with) and the other sessions connected to it. */
async function inspectTarget(target: ConnectionTarget): Promise<{ existingTables: string[]; sessions: TargetSession[] }> {
  const client = await connect(target, 'restore target');
  try {
    const { rows } = await client.query<{ schema: string; table: string }>(`
      SELECT n.nspname AS schema, c.relname AS table
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`);
    return { existingTables: rows.map(tableLabel), sessions: await otherSessions(client) };
  } finally {
    await client.end();
  }
}

async function endSessions(target: ConnectionTarget, reporter: Reporter, observed: RestoreObservations): Promise<number> {
  const client = await connect(target, 'restore target');
  try {
    const ended = await terminateOtherSessions(client);
    if (ended > 0) {
      observed.changed = true;
      reporter.event('other sessions ended', { sessions: ended });
    }
    return ended;
  } finally {
    await client.end();
  }
}
