import { ArchiveDamage } from './archive-damage.js';
import { type FieldReading, readInt, readString, skipString } from './archive-fields.js';
import type { ArchiveHeader } from './archive-header.js';
import { isAtLeast } from './archive-version.js';

/** The parts of one table-of-contents entry that row counting needs; the rest is passed over. */
export interface TocEntry {
  readonly dumpId: number;
  /** pg_dump had a data dumper for it: a data block follows the TOC (TABLE DATA, BLOBS). */
  readonly hasData: boolean;
  /** "TABLE", "TABLE DATA", "MATERIALIZED VIEW DATA", "BLOBS", "ENCODING"... */
  readonly desc: string;
  /** Schema, in the archive's encoding (see archive-encoding.ts); null when not in a schema. */
  readonly namespace: Buffer | null;
  /** Object name (for TABLE and TABLE DATA: the table's), in the archive's encoding. */
  readonly tag: Buffer | null;
  /** The SQL definition, kept only for the ENCODING entry ("SET client_encoding = 'UTF8';"). */
  readonly definition?: string;
}

// Names are at most 63 bytes and tags a signature of names; anything near these limits is damage.
const MAX_NAME_BYTES = 1024 * 1024;
const MAX_DESC_BYTES = 1024;

/** One entry, field by field as pg_dump's WriteToc writes it for archive versions 1.12 to 1.16. */
export function* readTocEntry(header: ArchiveHeader): FieldReading<TocEntry> {
  const { intSize, version } = header;
  const dumpId = yield* readInt(intSize);
  if (dumpId <= 0) throw new ArchiveDamage(`a table-of-contents entry has dump id ${dumpId} (ids are positive)`);
  const hasData = (yield* readInt(intSize)) !== 0;
  yield* skipString(intSize); // catalog table oid
  yield* skipString(intSize); // object oid
  const tag = yield* readString(intSize, `the tag of entry ${dumpId}`, MAX_NAME_BYTES);
  const descBytes = yield* readString(intSize, `the description of entry ${dumpId}`, MAX_DESC_BYTES);
  const desc = descBytes?.toString('latin1') ?? '';
  yield* readInt(intSize); // section
  let definition: string | undefined;
  if (desc === 'ENCODING') definition = (yield* readString(intSize, 'the ENCODING entry', MAX_DESC_BYTES))?.toString('latin1');
  else yield* skipString(intSize);
  yield* skipString(intSize); // drop statement
  yield* skipString(intSize); // COPY statement
  const namespace = yield* readString(intSize, `the schema of entry ${dumpId}`, MAX_NAME_BYTES);
  yield* skipString(intSize); // tablespace
  if (isAtLeast(version, 1, 14)) yield* skipString(intSize); // table access method
  if (isAtLeast(version, 1, 16)) yield* readInt(intSize); // relkind
  yield* skipString(intSize); // owner
  yield* skipString(intSize); // "false": tables WITH OIDS
  while (yield* skipString(intSize)); // dependencies (dump ids as text), ended by NULL
  yield { skip: 1 + header.offSize }; // the custom format's data offset: a flag byte and the offset
  return { dumpId, hasData, desc, namespace, tag, ...(definition !== undefined ? { definition } : {}) };
}
