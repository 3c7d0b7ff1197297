import { createHash } from 'node:crypto';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { manifestKey } from '../../src/contract/layout.js';
import type { BackupManifest, StoredObject } from '../../src/contract/manifest.js';

/**
 * Moves a backup's dump and roles to an archive class as a lifecycle transition would (moto runs no lifecycle):
 * each object is copied in place with that storage class, and a new manifest version names those copies (the same
 * bytes, so the same SHA-256). A real transition keeps the version id; the copy gets a new one, which is why the
 * manifest is rewritten. With `manifestToo`, the manifest itself is archived as well (what a lifecycle rule without
 * a size filter would do). Restore it with `--backup <id>`: the latest pointer still names the first manifest version.
 */
export async function archiveBackupInMoto(
  s3: S3Client,
  bucket: string,
  databaseId: string,
  backupId: string,
  storageClass: 'GLACIER' | 'DEEP_ARCHIVE',
  options: { manifestToo?: boolean } = {},
): Promise<void> {
  const key = manifestKey(databaseId, backupId);
  const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const manifest = JSON.parse(await read.Body!.transformToString('utf-8')) as BackupManifest;
  const archive = async (object: StoredObject): Promise<StoredObject> => {
    const copy = new CopyObjectCommand({
      Bucket: bucket,
      Key: object.key,
      CopySource: `${bucket}/${object.key}${object.versionId ? `?versionId=${object.versionId}` : ''}`,
      StorageClass: storageClass,
    });
    // moto takes copies into a bucket with a default retention only with a Content-MD5 (of the empty body).
    copy.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['content-md5'] = createHash('md5').update('').digest('base64');
        return next(args);
      },
      { step: 'build' },
    );
    const copied = await s3.send(copy);
    return { ...object, versionId: copied.VersionId! };
  };
  const archived: BackupManifest = {
    ...manifest,
    dump: await archive(manifest.dump),
    ...(manifest.globals ? { globals: await archive(manifest.globals) } : {}),
  };
  const body = JSON.stringify(archived);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: 'application/json',
      // A bucket with an Object Lock default retention takes uploads only with a checksum (moto: Content-MD5).
      ContentMD5: createHash('md5').update(body).digest('base64'),
      ...(options.manifestToo ? { StorageClass: storageClass } : {}),
    }),
  );
}
