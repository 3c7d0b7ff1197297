import { ArchiveDamage, atOffset } from './archive-damage.js';
import { CopyRowCounter } from './copy-row-counter.js';
import type { DataEntry } from './table-of-contents.js';

// pg_dump's block types (pg_backup_archiver.h).
const BLK_DATA = 1;
const BLK_BLOBS = 3;

// Where the scanner is: what the next bytes are.
const BLOCK_TYPE = 0;
const BLOCK_DUMP_ID = 1;
const CHUNK_LENGTH = 2;
const CHUNK_DATA = 3;
const LARGE_OBJECT_OID = 4;
const LARGE_OBJECT_CHUNK_LENGTH = 5;
const LARGE_OBJECT_CHUNK_DATA = 6;

/** One data block's entry, and the counter of its rows when they are counted. */
interface OpenBlock {
  readonly entry: DataEntry;
  readonly counter: CopyRowCounter | undefined;
}

/**
 * The data part of a custom-format archive written to a pipe (no offsets, so blocks follow the
 * table of contents in dump order), read in one pass over pieces of any size:
 *   block    = type byte (1 data, 3 large objects), dump id int, then
 *   data     = chunks: length int, that many bytes; a zero length ends the block
 *   blobs    = per large object: oid int, chunks as above; a zero oid ends the block
 * With --compress=0 the chunks are the COPY text itself: pg_dump 15 writes a chunk per row, later
 * versions buffer rows into larger chunks; rows may span chunks. The loop is the hot path of every
 * dump: a length read inline, then one newline search per row.
 */
export class DataBlockScanner {
  private state = BLOCK_TYPE;
  private blockType = 0;
  private block: OpenBlock | undefined;
  /** Bytes left in the current chunk. */
  private remaining = 0;
  // An integer split across pieces: its bytes so far.
  private intBytesRead = 0;
  private intNegative = false;
  private intValue = 0;
  private readonly seen = new Set<number>();
  private readonly rowCounts = new Map<number, number>();
  /** Stream offset of the first byte of the current piece. */
  private pieceOffset: number;

  constructor(
    private readonly intSize: number,
    private readonly entries: ReadonlyMap<number, DataEntry>,
    private readonly describe: (entry: DataEntry) => string,
    startOffset: number,
  ) {
    this.pieceOffset = startOffset;
  }

  /** Scans `buffer` from `start`. */
  scan(buffer: Buffer, start: number): void {
    this.failedAt = start;
    try {
      this.scanPiece(buffer, start);
    } catch (error) {
      throw atOffset(error, this.pieceOffset + this.failedAt - start);
    }
    this.pieceOffset += buffer.length - start;
  }

  /** Rows counted per dump id, once the stream has ended; a stream that stops inside a block is damage. */
  finish(): ReadonlyMap<number, number> {
    if (this.state !== BLOCK_TYPE || this.intBytesRead !== 0)
      throw atOffset(
        new ArchiveDamage(`the archive ends inside the data of ${this.block ? this.describe(this.block.entry) : 'a block'}`),
        this.pieceOffset,
      );
    const missing = [...this.entries.values()].filter((entry) => !this.seen.has(entry.dumpId));
    if (missing.length > 0)
      throw atOffset(
        new ArchiveDamage(
          `the archive ends before the data of ${missing.length} ${missing.length === 1 ? 'entry' : 'entries'} (first: ${this.describe(missing[0])})`,
        ),
        this.pieceOffset,
      );
    return this.rowCounts;
  }

  /** Where in the current piece the scan failed (set before anything that may throw). */
  private failedAt = 0;

  private scanPiece(buffer: Buffer, start: number): void {
    const length = buffer.length;
    const intSize = this.intSize;
    let pos = start;
    while (pos < length) {
      switch (this.state) {
        case CHUNK_LENGTH: {
          // The hot path: a whole length in this piece.
          let chunkLength: number;
          if (this.intBytesRead === 0 && pos + intSize < length) {
            chunkLength = 0;
            for (let i = intSize; i >= 1; i--) chunkLength = chunkLength * 256 + buffer[pos + i];
            if (buffer[pos] !== 0) chunkLength = -chunkLength;
            pos += 1 + intSize;
          } else {
            pos = this.readIntPiece(buffer, pos);
            if (this.intBytesRead !== 0) break;
            chunkLength = this.intValue;
          }
          if (chunkLength > 0) {
            this.remaining = chunkLength;
            this.state = CHUNK_DATA;
          } else if (chunkLength === 0) {
            this.failedAt = pos;
            this.endDataBlock();
          } else this.fail(pos, `a chunk of ${this.describe(this.block!.entry)} has length ${chunkLength}`);
          break;
        }
        case CHUNK_DATA: {
          const end = Math.min(length, pos + this.remaining);
          this.failedAt = pos;
          this.block!.counter?.add(buffer, pos, end);
          this.remaining -= end - pos;
          pos = end;
          if (this.remaining === 0) this.state = CHUNK_LENGTH;
          break;
        }
        case BLOCK_TYPE:
          this.blockType = buffer[pos++];
          if (this.blockType !== BLK_DATA && this.blockType !== BLK_BLOBS)
            this.fail(pos - 1, `unknown data block type ${this.blockType} (1: data, 3: large objects)`);
          this.state = BLOCK_DUMP_ID;
          break;
        case BLOCK_DUMP_ID:
          pos = this.readIntPiece(buffer, pos);
          if (this.intBytesRead === 0) this.openBlock(pos, this.intValue);
          break;
        case LARGE_OBJECT_OID:
          pos = this.readIntPiece(buffer, pos);
          if (this.intBytesRead !== 0) break;
          if (this.intValue === 0) {
            this.block = undefined;
            this.state = BLOCK_TYPE;
          } else this.state = LARGE_OBJECT_CHUNK_LENGTH;
          break;
        case LARGE_OBJECT_CHUNK_LENGTH:
          pos = this.readIntPiece(buffer, pos);
          if (this.intBytesRead !== 0) break;
          if (this.intValue < 0) this.fail(pos, `a large-object chunk has length ${this.intValue}`);
          this.remaining = this.intValue;
          this.state = this.remaining === 0 ? LARGE_OBJECT_OID : LARGE_OBJECT_CHUNK_DATA;
          break;
        case LARGE_OBJECT_CHUNK_DATA: {
          const end = Math.min(length, pos + this.remaining);
          this.remaining -= end - pos;
          pos = end;
          if (this.remaining === 0) this.state = LARGE_OBJECT_CHUNK_LENGTH;
          break;
        }
      }
    }
  }

  private openBlock(pos: number, dumpId: number): void {
    const entry = this.entries.get(dumpId);
    if (!entry) this.fail(pos, `a data block for dump id ${dumpId}, which the table of contents does not list with data`);
    if (this.seen.has(dumpId)) this.fail(pos, `a second data block for ${this.describe(entry)}`);
    if ((this.blockType === BLK_BLOBS) !== (entry.desc === 'BLOBS'))
      this.fail(pos, `a block of type ${this.blockType} for ${this.describe(entry)}`);
    this.seen.add(dumpId);
    this.block = { entry, counter: entry.countsRows ? new CopyRowCounter(this.describe(entry)) : undefined };
    this.state = this.blockType === BLK_BLOBS ? LARGE_OBJECT_OID : CHUNK_LENGTH;
  }

  private endDataBlock(): void {
    const { entry, counter } = this.block!;
    if (counter) this.rowCounts.set(entry.dumpId, counter.finish());
    this.block = undefined;
    this.state = BLOCK_TYPE;
  }

  /** Reads (part of) an integer byte by byte; `intBytesRead` is 0 again once `intValue` is complete. */
  private readIntPiece(buffer: Buffer, start: number): number {
    let pos = start;
    while (pos < buffer.length) {
      const byte = buffer[pos++];
      if (this.intBytesRead === 0) {
        this.intNegative = byte !== 0;
        this.intValue = 0;
      } else this.intValue += byte * 2 ** (8 * (this.intBytesRead - 1));
      if (++this.intBytesRead === 1 + this.intSize) {
        this.intBytesRead = 0;
        if (this.intNegative) this.intValue = -this.intValue;
        return pos;
      }
    }
    return pos;
  }

  private fail(pos: number, message: string): never {
    this.failedAt = pos;
    throw new ArchiveDamage(message);
  }
}
