import { PgBackupError } from '../../errors.js';

/**
 * A custom-format archive's version (K_VERS_major_minor in pg_dump's pg_backup_archiver.h), from
 * the three bytes after "PGDMP". What this reader knows of each version it supports:
 *   1.12  separate BLOB entries (pg_dump 9.0 and later)
 *   1.13  search_path handling (pg_dump 11, and 9.3 to 10 since their 2018 minor releases)
 *   1.14  a table access method in each TOC entry (pg_dump 12 to 15)
 *   1.15  the compression algorithm as one header byte instead of a level (pg_dump 16)
 *   1.16  a relkind in each TOC entry, BLOB METADATA and several BLOBS entries (pg_dump 17 and 18)
 */
export interface ArchiveVersion {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
}

/** The oldest and newest minor versions (of major 1) this reader parses. */
export const OLDEST_READABLE_MINOR = 12;
export const NEWEST_READABLE_MINOR = 16;

/** "1.14" (and ".rev" when the revision is not 0). */
export function formatArchiveVersion(version: ArchiveVersion): string {
  return `${version.major}.${version.minor}${version.revision ? `.${version.revision}` : ''}`;
}

/**
 * Refuses a version this reader does not know, naming it: an archive of a newer pg_dump may have
 * moved fields, and a miscount must never reach a manifest. Revisions of a known minor are read as
 * that minor, as pg_restore does (it accepts up to major.minor.255).
 */
export function checkArchiveVersion(version: ArchiveVersion): void {
  if (version.major === 1 && version.minor >= OLDEST_READABLE_MINOR && version.minor <= NEWEST_READABLE_MINOR) return;
  throw new PgBackupError(
    `pg_dump wrote a custom-format archive of version ${formatArchiveVersion(version)}, which this pg-backup cannot read ` +
      `(it reads versions 1.${OLDEST_READABLE_MINOR} to 1.${NEWEST_READABLE_MINOR}, pg_dump 9.0 to 18): ` +
      'the rows of the dump cannot be counted, so the backup is not published; use a pg-backup release that reads it',
  );
}

/** True from `major.minor` on. */
export function isAtLeast(version: ArchiveVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}
