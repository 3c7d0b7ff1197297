import { createHash } from 'node:crypto';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateOnlyUpload } from '../aws/create-only-upload.js';
import { isWriteConflict, s3ErrorMessage } from '../aws/s3-errors.js';
import { WriteConflictError } from '../aws/s3-json.js';
import { PgBackupError } from '../errors.js';
import { type RunningTool, startTool } from '../process/child-process.js';
import { openSocketOutput, type SocketOutput } from '../process/socket-output.js';
import type { Reporter } from '../reporting/reporter.js';
import { DEFAULT_ZSTD_LEVEL, zstdBinary } from './zstd.js';

/**
 * 5 MiB parts (S3's minimum) from three part buffers, allocated once and reused (aws/create-only-upload.ts):
 * 15 MiB however large the dump. S3 allows 10,000 parts, so dumps estimated above ~45 GB get
 * proportionally larger parts (see partSizeFor).
 */
export const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
const PART_BUFFERS = 3;
const MAX_PARTS_USED = 9_000;

/** A part size that fits `estimatedBytes` (an upper bound: the uncompressed size) into S3's part limit. */
export function partSizeFor(estimatedBytes: number | undefined): number {
  const mebibyte = 1024 * 1024;
  const needed = Math.ceil((estimatedBytes ?? 0) / MAX_PARTS_USED / mebibyte) * mebibyte;
  return Math.max(UPLOAD_PART_BYTES, needed);
}

export interface CompressedUploadOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Key id or ARN for SSE-KMS. @default - the bucket's default encryption (SSE-KMS with the backup key) */
  readonly kmsKeyId?: string;
  /** The running tool whose stdout is the data (pg_dump, pg_dumpall). Its stderr is kept for errors. */
  readonly producer: RunningTool;
  readonly reporter: Reporter;
  /** Progress label. */
  readonly step: string;
  /** Estimated raw bytes, for the ETA. */
  readonly estimatedBytes?: number;
  /** zstd level. @default DEFAULT_ZSTD_LEVEL */
  readonly compressionLevel?: number;
  /** @default - UPLOAD_PART_BYTES, larger for dumps that would exceed S3's part limit */
  readonly partBytes?: number;
  /** Aborting stops the producer and aborts the multipart upload (SIGTERM when ECS stops a task). */
  readonly signal?: AbortSignal;
  /**
   * Reads the producer's bytes on their way to zstd (the dump's row counter). A throw from `write`,
   * or from `end` (called once the tools succeeded, before the upload's last byte), fails the upload.
   * @default - none
   */
  readonly inspector?: RawStreamInspector;
  /**
   * Where the producer's stdout is read when it writes into a socket (the dump, see
   * process/socket-output.ts) rather than into `producer.child.stdout`.
   * @default - producer.child.stdout
   */
  readonly output?: SocketOutput;
  /**
   * Object tags set at upload (`x-amz-tagging` on PutObject or CreateMultipartUpload, URL query form like
   * `backup-tier=daily`): the object never exists untagged.
   * @default - no tags
   */
  readonly tagging?: string;
}

/** Sees every byte the producer writes, in order, before compression. */
export interface RawStreamInspector {
  write(chunk: Buffer): void;
  /** The stream is complete; throw if it is not what it should be. */
  end(): void;
}

export interface CompressedUploadResult {
  readonly key: string;
  readonly versionId?: string;
  /** SHA-256 (hex) of the bytes stored in S3. */
  readonly sha256: string;
  readonly storedBytes: number;
  /** Bytes the producer wrote, before compression. */
  readonly rawBytes: number;
}

/**
 * producer stdout -> (inspector) -> zstd -> SHA-256 -> S3 multipart upload (SSE-KMS), with no local copy.
 *
 * The object is created (CompleteMultipartUpload) only after the producer and zstd have both exited 0:
 * if pg_dump dies, even after writing a well-formed prefix, the multipart upload is aborted, so a
 * truncated dump can never become an object. If S3 fails, the producer and zstd are killed.
 */
export async function uploadCompressed(options: CompressedUploadOptions): Promise<CompressedUploadResult> {
  const { producer, reporter, step } = options;
  // zstd also writes into a socket read with reused buffers, and its bytes are copied into reused part
  // buffers: the compressed side allocates nothing per chunk either (see aws/create-only-upload.ts).
  const compressed = await openSocketOutput();
  let zstd: RunningTool;
  try {
    zstd = startTool('zstd', zstdBinary(), ['-q', '-c', `-${options.compressionLevel ?? DEFAULT_ZSTD_LEVEL}`, '-T0'], {
      stdio: ['pipe', compressed.childEnd, 'pipe'],
    });
  } catch (error) {
    compressed.destroy();
    throw error;
  } finally {
    compressed.childStarted();
  }
  const hash = createHash('sha256');
  let rawBytes = 0;
  let storedBytes = 0;
  let inspectionFailure: unknown;

  const inspect = (chunk: Buffer): void => {
    rawBytes += chunk.length;
    reporter.progress(step, rawBytes, options.estimatedBytes);
    try {
      options.inspector?.write(chunk);
    } catch (error) {
      inspectionFailure = error;
      stopTools();
      throw error;
    }
  };
  const countRaw = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        inspect(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, chunk);
    },
  });

  const upload = new CreateOnlyUpload({
    s3: options.s3,
    bucket: options.bucket,
    key: options.key,
    contentType: 'application/zstd',
    kmsKeyId: options.kmsKeyId,
    tagging: options.tagging,
    partBytes: options.partBytes ?? partSizeFor(options.estimatedBytes),
    partBuffers: PART_BUFFERS,
  });
  const parts = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      upload.write(chunk).then(() => callback(), callback);
    },
  });

  const stopTools = (): void => {
    producer.kill();
    zstd.kill();
    options.output?.destroy();
    compressed.destroy();
  };

  // Feed: producer -> inspect -> zstd stdin. Errors here surface through the tools' exit codes
  // (and the inspector's failure, recorded above).
  const feed = (
    options.output
      ? options.output.pumpTo(zstd.child.stdin!, inspect)
      : pipeline(producer.child.stdout as Readable, countRaw, zstd.child.stdin!)
  ).catch(() => undefined);
  // Drain: zstd's output -> hash -> parts. A part that S3 refuses fails the drain.
  const drained = compressed.pumpTo(parts, (chunk) => {
    hash.update(chunk);
    storedBytes += chunk.length;
  });
  let toolFailure: unknown;
  const toolsOk = Promise.all([producer.finished, zstd.finished]);
  toolsOk.catch((error: unknown) => (toolFailure = error));
  // The object is created only once both tools exited 0, every byte was read and the inspector is satisfied.
  const created = (async () => {
    await Promise.all([toolsOk, drained, feed]);
    try {
      options.inspector?.end();
    } catch (error) {
      inspectionFailure = error;
      throw error;
    }
    return upload.complete();
  })();

  const onAbort = (): void => stopTools();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const versionId = await created;
    reporter.progressDone(step);
    options.signal?.removeEventListener('abort', onAbort);
    return {
      key: options.key,
      ...(versionId ? { versionId } : {}),
      sha256: hash.digest('hex'),
      storedBytes,
      rawBytes,
    };
  } catch (error) {
    reporter.progressDone(step);
    // Which failed first: the inspector (then we stopped the tools), a tool that died (its stderr
    // says why) or S3 (then we stop the tools).
    const failedTool = toolFailure;
    stopTools();
    await upload.abort(error).catch(() => undefined);
    if (options.signal?.aborted) {
      throw new PgBackupError(`interrupted: the upload of s3://${options.bucket}/${options.key} was aborted; nothing was published`, {
        cause: error,
      });
    }
    if (inspectionFailure) throw inspectionFailure;
    if (failedTool) throw failedTool;
    if (error instanceof PgBackupError) throw error;
    if (isWriteConflict(error)) {
      throw new WriteConflictError(
        `s3://${options.bucket}/${options.key} already exists: history is create-only, nothing was overwritten`,
        { cause: error },
      );
    }
    throw new PgBackupError(`upload to s3://${options.bucket}/${options.key} failed: ${s3ErrorMessage(error)}`, { cause: error });
  }
}
