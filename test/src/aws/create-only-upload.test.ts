import { randomBytes } from 'node:crypto';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CreateOnlyUpload } from '../../../src/aws/create-only-upload.js';
import { isWriteConflict } from '../../../src/aws/s3-errors.js';
import { getBytes, objectKeys, openMultipartUploads } from '../../support/backup-bucket.js';
import { createBucket, s3Client } from '../../support/services.js';

const MiB = 1024 * 1024;

/** Writes `data` in chunks of uneven sizes (the way zstd's output arrives), none aligned to a part. */
async function writeUnevenly(upload: CreateOnlyUpload, data: Buffer): Promise<void> {
  const sizes = [1, 65_536, 262_144, 777_777, 3 * MiB + 5];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const end = Math.min(data.length, offset + sizes[i % sizes.length]);
    // A copy the test then overwrites: the upload must have taken the bytes when write() resolved.
    const chunk = Buffer.from(data.subarray(offset, end));
    await upload.write(chunk);
    chunk.fill(0);
    offset = end;
  }
}

function uploadTo(bucket: string, key: string, s3 = s3Client()) {
  return new CreateOnlyUpload({
    s3,
    bucket,
    key,
    contentType: 'application/zstd',
    tagging: 'backup-tier=daily',
    partBytes: 5 * MiB,
    partBuffers: 3,
  });
}

describe('CreateOnlyUpload: an object written from reused part buffers, against moto', () => {
  it('23 MiB written in uneven chunks comes back byte for byte, as a five-part object with its tags', async () => {
    const bucket = await createBucket();
    const data = randomBytes(23 * MiB + 123);
    const upload = uploadTo(bucket, 'big.zst');

    await writeUnevenly(upload, data);
    const versionId = await upload.complete();

    expect(versionId).toBeTruthy();
    expect((await getBytes(bucket, 'big.zst')).equals(data)).toBe(true);
    const head = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.zst' }));
    expect(head.ETag).toMatch(/-5"$/); // a multipart object of five parts: four full 5 MiB ones and the rest
    expect(head.ContentType).toBe('application/zstd');
    const tags = await s3Client().send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'big.zst' }));
    expect(tags.TagSet).toEqual([{ Key: 'backup-tier', Value: 'daily' }]);
    expect(await openMultipartUploads(bucket)).toEqual([]);
  });

  it('less than a part is one PutObject, and an empty object is still created', async () => {
    const bucket = await createBucket();
    const small = uploadTo(bucket, 'small.zst');
    await small.write(Buffer.from('hello'));
    await small.complete();
    const empty = uploadTo(bucket, 'empty.zst');
    await empty.complete();

    expect((await getBytes(bucket, 'small.zst')).toString()).toBe('hello');
    const head = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'small.zst' }));
    expect(head.ETag).not.toMatch(/-\d+"$/);
    expect((await getBytes(bucket, 'empty.zst')).length).toBe(0);
  });

  it('never more parts in flight than its three buffers: write() waits for one to come back instead of allocating another', async () => {
    const bucket = await createBucket();
    // Observation, not a fault: a middleware counts the UploadPart calls in flight and holds each for 100 ms,
    // so that writing outruns uploading as it does when S3 is the slower side.
    const s3 = s3Client();
    let inFlight = 0;
    let mostInFlight = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countPartsInFlight' },
    );
    const data = randomBytes(40 * MiB);
    const upload = uploadTo(bucket, 'bounded.zst', s3);

    await writeUnevenly(upload, data);
    await upload.complete();

    expect(mostInFlight).toBe(3);
    expect((await getBytes(bucket, 'bounded.zst')).equals(data)).toBe(true);
  });

  it('parts go unsigned; where a policy refuses unsigned payloads, they are sent again signed and the object is whole', async () => {
    const bucket = await createBucket();
    // Fault injection: moto evaluates no policies, so this middleware refuses, as S3 does under a policy
    // on s3:x-amz-content-sha256, every UploadPart whose payload is not signed, and records what it saw.
    const s3 = s3Client();
    const seen: string[] = [];
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args);
        const payload = (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'];
        seen.push(payload === 'UNSIGNED-PAYLOAD' ? 'unsigned' : 'signed');
        if (payload === 'UNSIGNED-PAYLOAD') {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'refuseUnsignedPayloads', priority: 'low' },
    );
    const data = randomBytes(17 * MiB);
    const upload = uploadTo(bucket, 'signed.zst', s3);

    await writeUnevenly(upload, data);
    await upload.complete();

    expect((await getBytes(bucket, 'signed.zst')).equals(data)).toBe(true);
    // The first part was tried unsigned, and at most the others in flight with it; each of the four parts then went signed.
    expect(seen[0]).toBe('unsigned');
    expect(seen.filter((s) => s === 'unsigned').length).toBeLessThanOrEqual(3);
    expect(seen.filter((s) => s === 'signed')).toHaveLength(4);
  });

  it('abort() discards the multipart upload: no object, no parts left behind', async () => {
    const bucket = await createBucket();
    const upload = uploadTo(bucket, 'aborted.zst');
    await writeUnevenly(upload, randomBytes(12 * MiB));

    await upload.abort(new Error('pg_dump failed'));

    expect(await openMultipartUploads(bucket)).toEqual([]);
    expect(await objectKeys(bucket)).toEqual([]);
    await expect(upload.write(Buffer.from('more'))).rejects.toThrow('pg_dump failed');
  });

  it('an existing key is never overwritten, by a multipart object or a single PutObject', async () => {
    const bucket = await createBucket();
    for (const size of [12 * MiB, 10]) {
      const key = `exists-${size}.zst`;
      const first = uploadTo(bucket, key);
      await first.write(randomBytes(size));
      await first.complete();
      const original = await getBytes(bucket, key);

      const second = uploadTo(bucket, key);
      await second.write(randomBytes(size));
      const refused = await second.complete().catch((error: unknown) => error);
      await second.abort(refused);

      expect(isWriteConflict(refused)).toBe(true);
      expect((await getBytes(bucket, key)).equals(original)).toBe(true);
    }
    expect(await openMultipartUploads(bucket)).toEqual([]);
  });
});
