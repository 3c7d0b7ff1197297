import { ArchiveDamage } from './archive-damage.js';

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

/**
 * Counts the rows of one table's COPY data (text format) as its bytes arrive in pieces of any size.
 *
 * In COPY text every row ends with a newline byte, and a newline, carriage return, tab or backslash
 * inside a value is written escaped (`\n`, `\r`, `\t`, `\\`: two characters): so each newline byte
 * ends exactly one row, whatever the values hold (bytea is `\x...` hex text). pg_dump ends the data
 * with the line `\.` and two empty lines; a value of `\.` is written `\\.`, so that line is never a
 * row. Rows are the newline-terminated lines before it (a row of one empty text value, or of a table
 * without columns, is an empty line, and counts).
 */
export class CopyRowCounter {
  private rowCount = 0;
  /** Bytes of the current line before the current piece. */
  private lineBytes = 0;
  /** The two data bytes before the current piece (-1: none). */
  private last = -1;
  private beforeLast = -1;
  private endMarkerSeen = false;
  /** In `scanned`, the first newline at or after `scannedTo` or earlier (the buffer's length: none). */
  private scanned: Buffer | undefined;
  private scannedTo = 0;
  private nextNewline = 0;

  constructor(private readonly what: string) {}

  /** The next piece of the data: `buffer[from, to)`. */
  add(buffer: Buffer, from: number, to: number): void {
    // One search per newline: the one found past the previous piece is reused (pieces of one stream
    // chunk follow each other, separated by chunk headers that may hold a newline byte).
    let newline =
      this.scanned === buffer && from >= this.scannedTo && this.nextNewline >= from ? this.nextNewline : findNewline(buffer, from);
    let lineStart = from;
    while (newline < to) {
      const length = this.lineBytes + (newline - lineStart);
      if (length === 2 && this.isEndMarker(buffer, newline, lineStart)) {
        if (this.endMarkerSeen) throw new ArchiveDamage(`the data of ${this.what} has a second end-of-data line`);
        this.endMarkerSeen = true;
      } else if (!this.endMarkerSeen) this.rowCount++;
      else if (length !== 0) throw new ArchiveDamage(`the data of ${this.what} goes on after its end-of-data line`);
      this.lineBytes = 0;
      lineStart = newline + 1;
      newline = findNewline(buffer, lineStart);
    }
    this.scanned = buffer;
    this.scannedTo = to;
    this.nextNewline = newline;
    this.lineBytes += to - lineStart;
    if (to - from >= 2) {
      this.beforeLast = buffer[to - 2];
      this.last = buffer[to - 1];
    } else if (to - from === 1) {
      this.beforeLast = this.last;
      this.last = buffer[from];
    }
  }

  /** The row count once the data is complete; a last line without its newline is damage. */
  finish(): number {
    if (this.lineBytes !== 0) throw new ArchiveDamage(`the data of ${this.what} ends inside a row`);
    this.scanned = undefined;
    return this.rowCount;
  }

  /** Whether the 2-byte line ending at `newline` is `\.` (its bytes may lie in earlier pieces). */
  private isEndMarker(buffer: Buffer, newline: number, lineStart: number): boolean {
    const second = newline - 1 >= lineStart ? buffer[newline - 1] : this.last;
    const first = newline - 2 >= lineStart ? buffer[newline - 2] : newline - 1 >= lineStart ? this.last : this.beforeLast;
    return first === BACKSLASH && second === DOT;
  }
}

function findNewline(buffer: Buffer, from: number): number {
  const at = buffer.indexOf(NEWLINE, from);
  return at < 0 ? buffer.length : at;
}
