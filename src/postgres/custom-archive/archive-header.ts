import { PgBackupError } from '../../errors.js';
import { ArchiveDamage } from './archive-damage.js';
import { type FieldReading, readByte, readInt, readString } from './archive-fields.js';
import { type ArchiveVersion, checkArchiveVersion, isAtLeast } from './archive-version.js';

/** What the header of a custom-format archive says (pg_dump's WriteHead). */
export interface ArchiveHeader {
  readonly version: ArchiveVersion;
  /** Bytes of every integer's magnitude (sizeof(int) where pg_dump ran: 4). */
  readonly intSize: number;
  /** Bytes of a file offset (8). */
  readonly offSize: number;
  /** As the server reported it, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
  readonly serverVersion: string;
  readonly pgDumpVersion: string;
}

const MAGIC = 'PGDMP';
const FORMAT_CUSTOM = 1;
const COMPRESSION_ALGORITHMS = ['none', 'gzip', 'lz4', 'zstd'];

/**
 * The header: "PGDMP", version, integer and offset sizes, format, compression, creation time, and
 * the names of the database and versions. Refuses another format, an unknown version, and data
 * compressed by pg_dump (rows are counted in the uncompressed COPY text; we run --compress=0).
 */
export function* readArchiveHeader(): FieldReading<ArchiveHeader> {
  const magic = yield { take: MAGIC.length };
  if (magic.toString('latin1') !== MAGIC)
    throw new PgBackupError(
      `pg_dump's output is not a custom-format archive: it starts with ${JSON.stringify(magic.toString('latin1'))}, not "${MAGIC}"`,
    );
  const version = { major: yield* readByte(), minor: yield* readByte(), revision: yield* readByte() };
  checkArchiveVersion(version);
  const intSize = yield* readByte();
  if (intSize < 1 || intSize > 8) throw new ArchiveDamage(`the header's integer size is ${intSize} bytes (1 to 8 expected)`);
  const offSize = yield* readByte();
  if (offSize < 1 || offSize > 16) throw new ArchiveDamage(`the header's file offset size is ${offSize} bytes (1 to 16 expected)`);
  const format = yield* readByte();
  if (format !== FORMAT_CUSTOM) throw new ArchiveDamage(`the header's archive format is ${format}, not ${FORMAT_CUSTOM} (custom)`);

  if (isAtLeast(version, 1, 15)) {
    const algorithm = yield* readByte();
    if (algorithm !== 0) throw compressed(COMPRESSION_ALGORITHMS[algorithm] ?? `algorithm ${algorithm}`);
  } else {
    const level = yield* readInt(intSize);
    if (level !== 0) throw compressed(`gzip, level ${level === -1 ? 'default' : level}`);
  }
  for (let field = 0; field < 7; field++) yield* readInt(intSize); // creation time: sec, min, hour, mday, mon, year, isdst
  yield* readString(intSize, 'the database name', 64 * 1024);
  const serverVersion = yield* readString(intSize, 'the server version', 1024);
  const pgDumpVersion = yield* readString(intSize, "pg_dump's version", 1024);
  return {
    version,
    intSize,
    offSize,
    serverVersion: serverVersion?.toString('utf8') ?? '',
    pgDumpVersion: pgDumpVersion?.toString('utf8') ?? '',
  };
}

function compressed(how: string): PgBackupError {
  return new PgBackupError(
    `pg_dump compressed the archive's data (${how}): pg-backup counts rows in uncompressed COPY data and runs pg_dump with --compress=0`,
  );
}
