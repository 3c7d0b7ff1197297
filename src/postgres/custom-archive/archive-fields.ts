import { ArchiveDamage } from './archive-damage.js';

/** What a field reader asks for next: exactly `take` bytes, or to pass over `skip` bytes unseen. */
export type Need = { readonly take: number } | { readonly skip: number };

/**
 * A reader of one archive structure written as straight-line code: it yields what it needs and is
 * resumed with those bytes (an empty buffer after a skip). IncrementalReader drives it as bytes arrive.
 */
export type FieldReading<T> = Generator<Need, T, Buffer>;

/** One unsigned byte. */
export function* readByte(): FieldReading<number> {
  return (yield { take: 1 })[0];
}

/**
 * pg_dump's WriteInt: a sign byte (1 = negative), then the magnitude in `intSize` bytes, least
 * significant first.
 */
export function* readInt(intSize: number): FieldReading<number> {
  const bytes = yield { take: 1 + intSize };
  let value = 0;
  for (let i = intSize; i >= 1; i--) value = value * 256 + bytes[i];
  return bytes[0] === 0 ? value : -value;
}

/** pg_dump's WriteStr: an int length (-1 for NULL), then that many bytes. Kept as raw bytes (the archive's encoding). */
export function* readString(intSize: number, what: string, maxBytes: number): FieldReading<Buffer | null> {
  const length = yield* readInt(intSize);
  if (length < 0) return null;
  if (length > maxBytes) throw new ArchiveDamage(`${what} is ${length} bytes long (at most ${maxBytes} expected)`);
  // A copy: the bytes may be a view of a large stream chunk that must not stay in memory.
  return Buffer.from(yield { take: length });
}

/** Passes over a string without keeping it (definitions can be megabytes long). Returns false for NULL. */
export function* skipString(intSize: number): FieldReading<boolean> {
  const length = yield* readInt(intSize);
  if (length < 0) return false;
  if (length > 0) yield { skip: length };
  return true;
}
