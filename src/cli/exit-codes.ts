import { ArchiveRestorePendingError } from '../backup/archive-retrieval.js';
import { RestoreRefusedError } from '../backup/restore.js';

/**
 * What `pg-backup` exits with, so a script can tell the cases apart. 0 and 1 are every command's; the others
 * are named by the commands that use them (docs/cli.md lists them all).
 */
export const EXIT_CODES = {
  ok: 0,
  /** The command could not do its job: a bad flag, an unreachable database, S3 refused, the restore failed. */
  failed: 1,
  /** The check ran and found a problem (`verify`: the backup failed; `status`: a limit is broken). */
  checkFailed: 2,
  /** The backup is archived: its S3 restore was started (or is under way); run the command again later, or with --wait. */
  archiveRestorePending: 3,
  /** A guard rail refused the restore (no terminal and no --yes, a failed verification, sessions, a non-empty target): nothing changed. */
  refused: 4,
} as const;

/** The exit code of a command that failed with `error`. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ArchiveRestorePendingError) return EXIT_CODES.archiveRestorePending;
  if (error instanceof RestoreRefusedError) return EXIT_CODES.refused;
  return EXIT_CODES.failed;
}
