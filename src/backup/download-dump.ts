import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ArchivedObjectError, archivedClassOf, isArchivedObjectError } from '../aws/s3-archive.js';
import { isUnknownVersion, s3ErrorMessage } from '../aws/s3-errors.js';
import type { StoredObject } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { startTool } from '../process/child-process.js';
import type { Reporter } from '../reporting/reporter.js';
import { zstdBinary } from './zstd.js';

/** The stored bytes are not the ones the manifest vouches for. */
export class ChecksumMismatchError extends PgBackupError {
  constructor(
    readonly object: StoredObject,
    readonly actualSha256: string,
    readonly actualBytes: number,
  ) {
    super(
      `checksum mismatch for ${object.key}: SHA-256 is ${actualSha256} (${actualBytes} bytes) but the manifest says ${object.sha256} (${object.storedBytes} bytes); ` +
        'the object was altered or truncated: do not restore it, pick an earlier backup (pg-backup list)',
    );
  }
}

/**
 * Streams one stored object from S3 (the exact version of the manifest), checks its SHA-256 and
 * writes it decompressed to `destination`, in one pass with no compressed copy on disk. Throws
 * ChecksumMismatchError when the bytes differ from the manifest, even if zstd also failed.
 */
export async function downloadDecompressed(
  s3: S3Client,
  bucket: string,
  object: StoredObject,
  destination: string,
  reporter: Reporter,
  step: string,
): Promise<{ seconds: number }> {
  const started = Date.now();
  let body: Readable;
  try {
    body = await openObject(s3, bucket, object, reporter);
  } catch (error) {
    if (isArchivedObjectError(error)) throw new ArchivedObjectError(bucket, object, archivedClassOf(error), { cause: error });
    throw new PgBackupError(`could not read s3://${bucket}/${object.key}: ${s3ErrorMessage(error)}`, { cause: error });
  }

  const hash = createHash('sha256');
  let bytes = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      reporter.progress(step, bytes, object.storedBytes);
      callback(null, chunk);
    },
  });
  const zstd = startTool('zstd -d', zstdBinary(), ['-d', '-q', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const results = await Promise.allSettled([
    pipeline(body, check, zstd.child.stdin!),
    pipeline(zstd.child.stdout as Readable, createWriteStream(destination)),
    zstd.finished,
  ]);
  reporter.progressDone(step);
  const actual = hash.digest('hex');
  if (actual !== object.sha256 || bytes !== object.storedBytes) throw new ChecksumMismatchError(object, actual, bytes);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure)
    throw new PgBackupError(`could not download and decompress s3://${bucket}/${object.key}: ${(failure.reason as Error).message}`, {
      cause: failure.reason,
    });
  return { seconds: (Date.now() - started) / 1000 };
}

/**
 * The exact version the manifest names. In a bucket filled by copying rather than replication the
 * version ids differ: then the current version is read, and the SHA-256 check still guarantees
 * that the bytes are the ones the manifest vouches for.
 */
async function openObject(s3: S3Client, bucket: string, object: StoredObject, reporter: Reporter): Promise<Readable> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: object.key, ...(object.versionId ? { VersionId: object.versionId } : {}) }),
    );
    return response.Body as Readable;
  } catch (error) {
    if (!object.versionId || !isUnknownVersion(error)) throw error;
    reporter.warn(
      'this bucket does not have the version the manifest names (a copy, not a replica?): reading the current version; its SHA-256 is still checked',
      { key: object.key, versionId: object.versionId },
    );
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
    return response.Body as Readable;
  }
}
