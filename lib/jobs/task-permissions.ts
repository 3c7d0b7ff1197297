import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { databasePrefix, dumpKey, globalsKey, grantPatterns, latestPointerKey, manifestKey } from '../../src/contract/layout.js';

/** Where a database's backups live: the primary bucket and its key. */
export interface BackupLocation {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly databaseId: string;
}

/**
 * The object keys `pg-backup dump` writes (src/backup/dump.ts, latest-pointer.ts): the three objects of
 * each backup and the latest pointer. Nothing else under the prefix: not verification records, not
 * safety dumps (restore's, run by a person).
 */
export function dumpWritePatterns(databaseId: string): string[] {
  return [dumpKey(databaseId, '*'), globalsKey(databaseId, '*'), manifestKey(databaseId, '*'), latestPointerKey(databaseId)];
}

/** s3:ListBucket on the bucket for this database's prefix only: GetObject of a missing key then says 404, not 403. */
function listOwnPrefix({ bucket, databaseId }: BackupLocation): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ListOwnDatabasePrefix',
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [grantPatterns.databaseObjects(databaseId), databasePrefix(databaseId)] } },
  });
}

/**
 * SSE-KMS through S3 only (kms:ViaService), for this bucket (S3 Bucket Keys: context is the bucket
 * ARN) or this database's objects (without Bucket Keys: the object ARN).
 */
function useKeyThroughS3(scope: Construct, { bucket, key, databaseId }: BackupLocation, sid: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: [key.keyArn],
    conditions: {
      StringEquals: { 'kms:ViaService': `s3.${Stack.of(scope).region}.amazonaws.com` },
      StringLike: {
        'kms:EncryptionContext:aws:s3:arn': [bucket.bucketArn, bucket.arnForObjects(grantPatterns.databaseObjects(databaseId))],
      },
    },
  });
}

/**
 * What `pg-backup dump` needs in S3 and KMS for one database: write its backup objects and the latest
 * pointer (multipart: s3:PutObject covers Create/UploadPart/Complete), abort its own multipart
 * uploads, read the latest pointer, list its own prefix, and SSE-KMS with the backup key.
 * The secret and the RDS instance are granted by the caller (secret.grantRead, describeRdsInstance).
 */
export function dumpStorageStatements(scope: Construct, location: BackupLocation): iam.PolicyStatement[] {
  const { bucket, databaseId } = location;
  return [
    new iam.PolicyStatement({
      sid: 'WriteOwnBackupObjects',
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: dumpWritePatterns(databaseId).map((k) => bucket.arnForObjects(k)),
    }),
    new iam.PolicyStatement({
      sid: 'ReadOwnLatestPointer',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(latestPointerKey(databaseId))],
    }),
    listOwnPrefix(location),
    useKeyThroughS3(scope, location, 'EncryptBackupsWithBackupKey'),
  ];
}

/**
 * What `pg-backup verify` needs for one database: read its objects (exact versions), list its prefix, decrypt, and
 * write only the verification records (grantPatterns.verificationRecords) with the backup key.
 */
export function verifyStorageStatements(scope: Construct, location: BackupLocation): iam.PolicyStatement[] {
  const { bucket, databaseId } = location;
  return [
    // GetObjectVersion: verify reads the exact object versions the pointer and the manifest name.
    new iam.PolicyStatement({
      sid: 'ReadOwnBackups',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [bucket.arnForObjects(grantPatterns.databaseObjects(databaseId))],
    }),
    listOwnPrefix(location),
    new iam.PolicyStatement({
      sid: 'WriteOwnVerificationRecords',
      actions: ['s3:PutObject'],
      resources: grantPatterns.verificationRecords(databaseId).map((k) => bucket.arnForObjects(k)),
    }),
    useKeyThroughS3(scope, location, 'DecryptBackupsEncryptRecords'),
  ];
}

/** rds:DescribeDBInstances on one instance: the CLI finds its endpoint. */
export function describeRdsInstance(scope: Construct, rdsInstance: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DescribeOwnRdsInstance',
    actions: ['rds:DescribeDBInstances'],
    resources: [
      Stack.of(scope).formatArn({ service: 'rds', resource: 'db', resourceName: rdsInstance, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    ],
  });
}
