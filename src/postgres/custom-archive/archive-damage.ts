import { PgBackupError } from '../../errors.js';

/**
 * Thrown inside the archive readers, which do not know where in the stream they are; the reader
 * that does turns it into a PgBackupError naming the byte offset (see `atOffset`).
 */
export class ArchiveDamage extends Error {
  override readonly name = 'ArchiveDamage';
}

/** "the pg_dump archive is damaged at byte 18400: unknown data block type 7" for an ArchiveDamage; other errors unchanged. */
export function atOffset(error: unknown, offset: number): unknown {
  if (!(error instanceof ArchiveDamage)) return error;
  return new PgBackupError(`the pg_dump archive is damaged at byte ${offset}: ${error.message}`, { cause: error });
}
