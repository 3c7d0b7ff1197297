import { atOffset } from './archive-damage.js';
import type { FieldReading, Need } from './archive-fields.js';

const NOTHING = Buffer.alloc(0);

/**
 * Drives a FieldReading with the bytes of a stream as they arrive, in pieces of any size: a field
 * split across two pieces is joined, skipped bytes are never kept.
 */
export class IncrementalReader<T> {
  private need: Need | undefined;
  private result: { readonly value: T } | undefined;
  private readonly parts: Buffer[] = [];
  private partBytes = 0;
  private skipped = 0;
  /** Bytes consumed so far (the stream offset of the next byte). */
  offset: number;

  constructor(
    private readonly reading: FieldReading<T>,
    startOffset = 0,
  ) {
    this.offset = startOffset;
    this.resume(NOTHING);
  }

  get done(): boolean {
    return this.result !== undefined;
  }

  /** The reading's result; only once `done`. */
  get value(): T {
    if (!this.result) throw new Error('IncrementalReader: not done');
    return this.result.value;
  }

  /**
   * Feeds `chunk` from `start`. Returns the index of the first byte the reading did not need once it
   * is done, or -1 when it consumed everything and needs more.
   */
  feed(chunk: Buffer, start = 0): number {
    let pos = start;
    while (this.need) {
      const need = this.need;
      const available = chunk.length - pos;
      if ('skip' in need) {
        const n = Math.min(need.skip - this.skipped, available);
        pos += n;
        this.offset += n;
        this.skipped += n;
        if (this.skipped < need.skip) return -1;
        this.skipped = 0;
        this.resume(NOTHING);
      } else if (this.partBytes === 0 && available >= need.take) {
        const bytes = chunk.subarray(pos, pos + need.take);
        pos += need.take;
        this.offset += need.take;
        this.resume(bytes);
      } else {
        const n = Math.min(need.take - this.partBytes, available);
        this.parts.push(chunk.subarray(pos, pos + n));
        this.partBytes += n;
        pos += n;
        this.offset += n;
        if (this.partBytes < need.take) return -1;
        const bytes = Buffer.concat(this.parts, this.partBytes);
        this.parts.length = 0;
        this.partBytes = 0;
        this.resume(bytes);
      }
    }
    return pos;
  }

  private resume(bytes: Buffer): void {
    let step: IteratorResult<Need, T>;
    try {
      step = this.reading.next(bytes);
    } catch (error) {
      throw atOffset(error, this.offset);
    }
    if (step.done) {
      this.need = undefined;
      this.result = { value: step.value };
    } else this.need = step.value;
  }
}
