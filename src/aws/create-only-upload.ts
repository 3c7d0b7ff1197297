import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { PgBackupError } from '../errors.js';
import { isAccessDenied } from './s3-errors.js';

/**
 * A part's payload left out of its SigV4 signature (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3
 * accepts). Only for parts that carry a CRC32 that S3 checks: the signer would otherwise hash every
 * part with SHA-256, a second pass over every stored byte on top of the dump's own SHA-256 (0.2 CPU
 * seconds per GB of dump, measured); the part's integrity is the CRC32, TLS and, end to end, the
 * manifest's SHA-256 that every verify and restore checks. An account whose policies refuse unsigned
 * payloads (the `s3:x-amz-content-sha256` condition key) refuses the first such part: it is sent again
 * signed, and so is every later part (see sendPart).
 */
function leavePayloadUnsigned(command: UploadPartCommand): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'unsignedPartPayload' },
  );
}

/** S3's limit on the parts of one multipart upload. */
const MAX_PARTS = 10_000;

export interface CreateOnlyUploadOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  /** Key id or ARN for SSE-KMS. @default - the bucket's default encryption */
  readonly kmsKeyId?: string;
  /** Object tags (URL query form) set as the object is created. @default - none */
  readonly tagging?: string;
  /** Bytes per part (at least S3's 5 MiB minimum, except the last). */
  readonly partBytes: number;
  /**
   * Part buffers, allocated once and reused: the memory the upload holds. Each is being filled or
   * in flight; when all are in flight, `write()` waits for the first to come back.
   */
  readonly partBuffers: number;
}

/**
 * One S3 object written as it streams, create-only, from a few part buffers that are reused.
 *
 * Why not lib-storage's Upload: it concatenates every part into a new buffer and reads its body
 * through a stream that allocates per chunk. Hundreds of megabytes of short-lived memory outside
 * the JS heap make V8 run a full garbage collection every few megabytes (47 in one 1.1 GB dump,
 * measured), CPU taken from pg_dump and zstd on the same cores. Here `partBuffers` buffers are
 * allocated once and each is refilled when its part has been sent.
 *
 * The object exists only after `complete()`: a PutObject when everything fitted in one part,
 * otherwise CompleteMultipartUpload. Both carry `If-None-Match: *`, so an existing key is never
 * overwritten (the bucket policy refuses history writes without it). `abort()` discards the
 * multipart upload and its parts.
 */
export class CreateOnlyUpload {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private filling?: Buffer;
  private filled = 0;
  private partsStarted = 0;
  private readonly completedParts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waitingForBuffer: (() => void)[] = [];
  private uploadId?: Promise<string>;
  private partsCarryChecksums = false;
  private signPayloads = false;
  private failure?: unknown;

  constructor(private readonly options: CreateOnlyUploadOptions) {}

  /**
   * Copies `chunk` into the parts, sending each part as it fills. Resolves once the bytes are
   * copied (the caller may then reuse `chunk`), after waiting for a free buffer when every part
   * is in flight. Rejects with the first failure of any part.
   */
  async write(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      this.throwIfFailed();
      this.filling ??= await this.freeBuffer();
      const copied = chunk.copy(this.filling, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === this.filling.length) this.sendFilledPart();
    }
  }

  /** Creates the object from everything written; returns its version id (on a versioned bucket). */
  async complete(): Promise<string | undefined> {
    this.throwIfFailed();
    const { s3, bucket, key } = this.options;
    if (this.partsStarted === 0) {
      const body = this.filling ? this.filling.subarray(0, this.filled) : Buffer.alloc(0);
      const result = await s3.send(new PutObjectCommand({ ...this.objectParams(), Body: body, IfNoneMatch: '*' }));
      return result.VersionId;
    }
    if (this.filled > 0) this.sendFilledPart();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    const parts = [...this.completedParts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const result = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: await this.multipartUploadId(),
        MultipartUpload: { Parts: parts },
        IfNoneMatch: '*',
      }),
    );
    return result.VersionId;
  }

  /** Stops taking bytes, waits for the parts in flight and discards the multipart upload, if one was started. */
  async abort(reason: unknown): Promise<void> {
    this.fail(reason);
    await Promise.allSettled(this.inFlight);
    if (!this.uploadId) return;
    const uploadId = await this.uploadId.catch(() => undefined);
    if (!uploadId) return;
    const { s3, bucket, key } = this.options;
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }

  private objectParams() {
    const { bucket, key, contentType, kmsKeyId, tagging } = this.options;
    return {
      Bucket: bucket,
      Key: key,
      ContentType: contentType,
      ...(tagging ? { Tagging: tagging } : {}),
      ...(kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true } : {}),
    };
  }

  private multipartUploadId(): Promise<string> {
    this.uploadId ??= (async () => {
      const { s3, bucket, key } = this.options;
      // As lib-storage does: a CRC32 per part, checked by S3, when the client computes checksums by default.
      this.partsCarryChecksums = (await s3.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
      const created = await s3.send(
        new CreateMultipartUploadCommand({
          ...this.objectParams(),
          ...(this.partsCarryChecksums ? { ChecksumAlgorithm: ChecksumAlgorithm.CRC32 } : {}),
        }),
      );
      if (!created.UploadId) throw new PgBackupError(`S3 started no multipart upload for s3://${bucket}/${key} (no UploadId)`);
      return created.UploadId;
    })();
    return this.uploadId;
  }

  private sendFilledPart(): void {
    const buffer = this.filling!;
    const body = buffer.subarray(0, this.filled);
    const partNumber = ++this.partsStarted;
    this.filling = undefined;
    this.filled = 0;
    if (partNumber > MAX_PARTS) {
      this.fail(
        new PgBackupError(
          `s3://${this.options.bucket}/${this.options.key} needs more than ${MAX_PARTS} parts of ${this.options.partBytes} bytes: the dump is larger than estimated`,
        ),
      );
      return;
    }
    const sent = (async () => {
      const { bucket, key } = this.options;
      const uploadId = await this.multipartUploadId();
      this.throwIfFailed();
      const result = await this.sendPart(uploadId, partNumber, body);
      if (!result.ETag) throw new PgBackupError(`S3 returned no ETag for part ${partNumber} of s3://${bucket}/${key}`);
      this.completedParts.push({
        PartNumber: partNumber,
        ETag: result.ETag,
        ...(result.ChecksumCRC32 ? { ChecksumCRC32: result.ChecksumCRC32 } : {}),
      });
    })().then(
      () => this.release(buffer),
      (error: unknown) => this.fail(error),
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  private async sendPart(uploadId: string, partNumber: number, body: Buffer) {
    const { s3, bucket, key } = this.options;
    const command = () => new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body });
    if (!this.partsCarryChecksums || this.signPayloads) return s3.send(command());
    const unsigned = command();
    leavePayloadUnsigned(unsigned);
    try {
      return await s3.send(unsigned);
    } catch (error) {
      if (!isAccessDenied(error)) throw error;
      // Perhaps a policy that requires signed payloads: from now on every part is signed. A refusal for
      // another reason (a revoked key grant) is refused again, and that error stands.
      this.signPayloads = true;
      return s3.send(command());
    }
  }

  private async freeBuffer(): Promise<Buffer> {
    for (;;) {
      this.throwIfFailed();
      const buffer = this.free.pop();
      if (buffer) return buffer;
      if (this.allocated < this.options.partBuffers) {
        this.allocated++;
        return Buffer.allocUnsafe(this.options.partBytes);
      }
      await new Promise<void>((resolve) => this.waitingForBuffer.push(resolve));
    }
  }

  private release(buffer: Buffer): void {
    this.free.push(buffer);
    this.waitingForBuffer.shift()?.();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const wake of this.waitingForBuffer.splice(0)) wake();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
