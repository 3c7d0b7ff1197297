import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupManifest } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import type { Reporter } from '../reporting/reporter.js';
import { backupReference } from './backup-catalog.js';
import { downloadDecompressed } from './download-dump.js';

export interface DownloadOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly manifest: BackupManifest;
  /** Where the dump goes: pg_dump's custom format, for pg_restore. */
  readonly output: string;
  /** Where the roles and memberships go (SQL for psql). @default - beside output: orders.pgdump -> orders.globals.sql */
  readonly globalsOutput?: string;
  /** Replace files that exist. */
  readonly force?: boolean;
  readonly reporter: Reporter;
}

export interface DownloadedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface DownloadResult {
  readonly backup: string;
  readonly dump: DownloadedFile;
  readonly globals?: DownloadedFile;
}

/** orders.pgdump -> orders.globals.sql (the roles beside the dump). */
export function defaultGlobalsPath(output: string): string {
  const name = basename(output).replace(/\.(pgdump|dump|backup)$/, '');
  return join(dirname(output), `${name}.globals.sql`);
}

/**
 * Writes a backup to local files for pg_restore by hand: the dump decompressed (pg_dump's custom format) and the
 * roles as SQL, each checked against the manifest's SHA-256 while it streams. Refuses to replace an existing
 * file unless `force`, before reading anything; each file is written beside its destination under a temporary
 * name and renamed only once its checksum matched, so a failed download never leaves a file that looks good.
 */
export async function downloadBackup(options: DownloadOptions): Promise<DownloadResult> {
  const { manifest, reporter } = options;
  const globalsPath = manifest.globals ? (options.globalsOutput ?? defaultGlobalsPath(options.output)) : undefined;
  const wanted: [string, string][] = [
    ['--output', options.output],
    ...(globalsPath ? ([['--globals-output', globalsPath]] as [string, string][]) : []),
  ];
  if (globalsPath === options.output) throw new PgBackupError(`--globals-output (${globalsPath}) must differ from --output`);
  for (const [flag, path] of wanted) {
    if (!existsSync(dirname(path))) throw new PgBackupError(`${flag} (${path}): the folder ${dirname(path)} does not exist`);
    if (existsSync(path) && !options.force)
      throw new PgBackupError(`${flag} (${path}) exists: nothing was downloaded. Pass --force to replace it, or choose another file`);
  }

  const dump = await downloadOne(options, manifest.dump, options.output, 'download');
  const globals = globalsPath && manifest.globals ? await downloadOne(options, manifest.globals, globalsPath, 'roles') : undefined;
  const result: DownloadResult = { backup: backupReference(manifest), dump, ...(globals ? { globals } : {}) };
  reporter.event('download complete', {
    backup: result.backup,
    dump: dump.path,
    bytes: dump.bytes,
    ...(globals ? { globals: globals.path } : {}),
  });
  return result;
}

async function downloadOne(
  options: DownloadOptions,
  object: NonNullable<BackupManifest['globals']>,
  path: string,
  step: string,
): Promise<DownloadedFile> {
  const partial = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  try {
    await downloadDecompressed(options.s3, options.bucket, object, partial, options.reporter, step);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  options.reporter.event('checksum ok', { key: object.key, sha256: object.sha256, file: path });
  return { path, bytes: statSync(path).size, sha256: object.sha256 };
}
