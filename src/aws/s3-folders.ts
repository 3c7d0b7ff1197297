import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PgBackupError } from '../errors.js';
import { s3ErrorMessage } from './s3-errors.js';

/**
 * The names of the "folders" directly under `prefix` (which ends in `/`), sorted. A delimiter
 * listing returns one entry per folder, never the objects inside, a page per thousand folders.
 */
export async function listFolderNames(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(prefix.length).replace(/\/$/, '');
        if (name) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    throw new PgBackupError(`could not list s3://${bucket}/${prefix}: ${s3ErrorMessage(error)}`, { cause: error });
  }
  return names.sort();
}
