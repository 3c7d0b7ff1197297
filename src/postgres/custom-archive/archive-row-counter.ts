import type { TableRowCount } from '../../contract/manifest.js';
import { PgBackupError } from '../../errors.js';
import { ArchiveDamage, atOffset } from './archive-damage.js';
import { nameDecoder } from './archive-encoding.js';
import { DataBlockScanner } from './data-block-scanner.js';
import { IncrementalReader } from './incremental-reader.js';
import { type DataEntry, readTableOfContents, type TableOfContents } from './table-of-contents.js';

/**
 * Exact row counts of every table in a pg_dump custom-format archive (--compress=0), read from the
 * archive itself as it streams past, in one pass and in memory independent of its size: no query
 * runs against the tables, and the counts are by construction those of the dumped data.
 *
 *   const counter = new ArchiveRowCounter();
 *   for await (const chunk of pgDumpStdout) counter.write(chunk);
 *   const tables = counter.finish();
 *
 * Which tables: every TABLE DATA entry of a table the archive defines: ordinary tables and each
 * partition (a partitioned parent holds no rows of its own), empty and unlogged ones included.
 * Not materialized views: their rows are not in a dump (pg_restore runs REFRESH). Not large
 * objects. An unknown archive version, a damaged or truncated archive, are PgBackupErrors.
 */
export class ArchiveRowCounter {
  private readonly prologue = new IncrementalReader(readTableOfContents());
  private toc: TableOfContents | undefined;
  private scanner: DataBlockScanner | undefined;
  private failure: unknown;
  private bytes = 0;

  /** The next piece of the archive, in stream order. Throws on the first problem, and again on every call after it. */
  write(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.bytes += chunk.length;
      if (this.scanner) {
        this.scanner.scan(chunk, 0);
        return;
      }
      const rest = this.prologue.feed(chunk);
      if (rest < 0) return;
      const toc = this.prologue.value;
      this.toc = toc;
      this.scanner = new DataBlockScanner(toc.header.intSize, toc.dataEntries, describe, this.prologue.offset);
      this.scanner.scan(chunk, rest);
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** Every counted table with its rows, sorted by schema and name; throws if the archive was incomplete. */
  finish(): TableRowCount[] {
    if (this.failure !== undefined) throw this.failure;
    if (!this.scanner || !this.toc) {
      throw this.bytes === 0
        ? new PgBackupError('pg_dump wrote nothing: there is no archive to count rows in')
        : atOffset(new ArchiveDamage('the archive ends inside its header or table of contents'), this.bytes);
    }
    const rowCounts = this.scanner.finish();
    const decoder = nameDecoder(this.toc.encoding);
    const name = (bytes: Buffer | null) => (bytes ? decoder.decode(bytes) : '');
    return [...this.toc.dataEntries.values()]
      .filter((entry) => entry.countsRows)
      .map((entry) => ({ schema: name(entry.namespace), table: name(entry.tag), rows: rowCounts.get(entry.dumpId)! }))
      .sort((a, b) => (a.schema === b.schema ? compare(a.table, b.table) : compare(a.schema, b.schema)));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "TABLE DATA sales.orders (dump id 3541)" for messages (names shown as UTF-8). */
function describe(entry: DataEntry): string {
  const name = [entry.namespace, entry.tag]
    .filter((part): part is Buffer => part !== null && part.length > 0)
    .map((part) => part.toString('utf8'))
    .join('.');
  return `${entry.desc}${name ? ` ${name}` : ''} (dump id ${entry.dumpId})`;
}
