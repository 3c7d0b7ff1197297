import { GetBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { PgBackupError } from '../errors.js';
import { s3ErrorMessage } from './s3-errors.js';

/**
 * The KMS key what this command writes is encrypted with: `given` (--kms-key-id, the tasks' PG_BACKUP_KMS_KEY_ID), else
 * the bucket's default encryption key, read once with GetBucketEncryption. A backup bucket's policy refuses uploads
 * that do not name its key, so an operator's restore must name it too; the bucket says which it is. Undefined for a
 * bucket without default SSE-KMS (a copy elsewhere), whose writes then name none.
 */
export async function writeKeyOf(s3: S3Client, bucket: string, given: string | undefined): Promise<string | undefined> {
  if (given) return given;
  try {
    const answer = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = answer.ServerSideEncryptionConfiguration?.Rules?.find(
      (r) =>
        r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm?.startsWith('aws:kms') && r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID,
    );
    return rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  } catch (error) {
    const code = (error as { Code?: string; name?: string }).Code ?? (error as { name?: string }).name;
    if (code === 'ServerSideEncryptionConfigurationNotFoundError') return undefined;
    throw new PgBackupError(
      `could not read which KMS key s3://${bucket} encrypts with (GetBucketEncryption: ${s3ErrorMessage(error)}): pass --kms-key-id with the backup key's ARN (the BackupKeyArn output of the storage stack)`,
      { cause: error },
    );
  }
}
