import { ArchiveDamage } from './archive-damage.js';
import { type FieldReading, readInt } from './archive-fields.js';
import { type ArchiveHeader, readArchiveHeader } from './archive-header.js';
import { readTocEntry } from './toc-entry.js';

/** An entry whose data block follows the table of contents. */
export interface DataEntry {
  readonly dumpId: number;
  readonly desc: string;
  readonly namespace: Buffer | null;
  readonly tag: Buffer | null;
  /**
   * Its COPY rows are counted for the manifest: TABLE DATA of a table this archive also defines
   * (ordinary tables and partitions, unlogged ones included). Not large objects (BLOBS), and not
   * the data of an extension's configuration table, whose definition (and first rows) come from
   * CREATE EXTENSION: verify does not count extension-owned tables either.
   */
  readonly countsRows: boolean;
}

/** What the archive says before its data: the header and the table of contents. */
export interface TableOfContents {
  readonly header: ArchiveHeader;
  /** PostgreSQL's name of the encoding of every name and all data, from the ENCODING entry (e.g. "UTF8"). */
  readonly encoding: string;
  /** Entries that have a data block, by dump id. */
  readonly dataEntries: ReadonlyMap<number, DataEntry>;
}

const ENCODING_SETTING = /client_encoding\s*=\s*'([^']+)'/;

/** Reads the header and the whole table of contents, keeping only what row counting needs. */
export function* readTableOfContents(): FieldReading<TableOfContents> {
  const header = yield* readArchiveHeader();
  const count = yield* readInt(header.intSize);
  if (count < 0) throw new ArchiveDamage(`the table of contents has ${count} entries`);
  let encoding = 'UTF8';
  const tables = new Set<string>();
  const withData: Omit<DataEntry, 'countsRows'>[] = [];
  for (let i = 0; i < count; i++) {
    const entry = yield* readTocEntry(header);
    if (entry.desc === 'ENCODING' && entry.definition) encoding = ENCODING_SETTING.exec(entry.definition)?.[1] ?? encoding;
    if (entry.desc === 'TABLE') tables.add(tableKey(entry));
    if (entry.hasData) withData.push({ dumpId: entry.dumpId, desc: entry.desc, namespace: entry.namespace, tag: entry.tag });
  }
  const dataEntries = new Map<number, DataEntry>();
  for (const entry of withData) {
    if (dataEntries.has(entry.dumpId)) throw new ArchiveDamage(`dump id ${entry.dumpId} appears twice in the table of contents`);
    dataEntries.set(entry.dumpId, { ...entry, countsRows: entry.desc === 'TABLE DATA' && tables.has(tableKey(entry)) });
  }
  return { header, encoding, dataEntries };
}

/** Schema and name as raw bytes (latin1 maps every byte to one character, so this is exact). */
function tableKey(entry: { readonly namespace: Buffer | null; readonly tag: Buffer | null }): string {
  return `${entry.namespace?.toString('latin1') ?? ''}\u0000${entry.tag?.toString('latin1') ?? ''}`;
}
