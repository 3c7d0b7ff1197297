import { App, type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import {
  type BucketFacts,
  backupBucketGaps,
  backupBucketProtected,
  isBackupBucket,
} from '../../../lib/nag/rules/backup-bucket-protected.js';

const PROTECTED = {
  objectLockEnabled: true,
  objectLockConfiguration: { objectLockEnabled: 'Enabled', rule: { defaultRetention: { mode: 'GOVERNANCE', days: 35 } } },
  versioningConfiguration: { status: 'Enabled' },
  bucketEncryption: {
    serverSideEncryptionConfiguration: [
      { serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
    ],
  },
  policyStatements: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
};

describe('backupBucketGaps: one bucket', () => {
  test.each<[string, object, string[]]>([
    ['locked, versioned, our key, TLS only', {}, []],
    ['no default retention', { objectLockConfiguration: { objectLockEnabled: 'Enabled' } }, ['ObjectLock']],
    ['versioning suspended', { versioningConfiguration: { status: 'Suspended' } }, ['Versioning']],
    [
      'the AWS managed key (alias/aws/s3)',
      {
        bucketEncryption: {
          serverSideEncryptionConfiguration: [
            { serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/aws/s3' } },
          ],
        },
      },
      ['CustomerKmsKey'],
    ],
    [
      'SSE-S3',
      { bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] } },
      ['CustomerKmsKey'],
    ],
    [
      'a TLS statement that denies only GetObject',
      { policyStatements: [{ ...PROTECTED.policyStatements[0], Action: 's3:GetObject' }] },
      ['TlsOnly'],
    ],
    [
      'nothing at all',
      {
        objectLockEnabled: undefined,
        objectLockConfiguration: undefined,
        versioningConfiguration: undefined,
        bucketEncryption: undefined,
        policyStatements: [],
      },
      ['ObjectLock', 'Versioning', 'CustomerKmsKey', 'TlsOnly'],
    ],
  ])('%s', (_name, change, expected) => {
    expect(backupBucketGaps({ ...PROTECTED, ...change })).toEqual(expected);
  });

  test.each<[string, BucketFacts, boolean]>([
    ['a bucket with Object Lock', { objectLockEnabled: true, policyStatements: [] }, true],
    ['a bucket named by backupBucketName()', { bucketName: 'shop-backups-123456789012-eu-west-1', policyStatements: [] }, true],
    [
      'that name with a token account',
      { bucketName: { 'Fn::Join': ['', ['shop-backups-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] }, policyStatements: [] },
      true,
    ],
    ['an access-log bucket', { bucketName: 'shop-access-logs-123456789012-eu-west-1', policyStatements: [] }, false],
  ])('%s is a backup bucket: %s', (_name, facts, expected) => {
    expect(isBackupBucket(facts)).toBe(expected);
  });
});

describe('PgBackup-BackupBucketProtected on resources', () => {
  function stack(): Stack {
    return new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  }
  const cfn = (bucket: s3.Bucket) => bucket.node.defaultChild as CfnResource;

  test('a bucket built like lib/storage/backup-bucket.ts is compliant', () => {
    const scope = stack();
    const bucket = new s3.Bucket(scope, 'Backups', {
      bucketName: 'shop-backups-123456789012-eu-west-1',
      versioned: true,
      encryptionKey: new kms.Key(scope, 'Key'),
      encryption: s3.BucketEncryption.KMS,
      enforceSSL: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(35)),
    });
    expect(backupBucketProtected.check(cfn(bucket))).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('a plain bucket with a backup name: every gap is a finding', () => {
    const scope = stack();
    const bucket = new s3.Bucket(scope, 'Backups', { bucketName: 'shop-backups-123456789012-eu-west-1' });
    expect(backupBucketProtected.check(cfn(bucket))).toEqual(['ObjectLock', 'Versioning', 'CustomerKmsKey', 'TlsOnly']);
  });

  test('any other bucket is not judged', () => {
    const scope = stack();
    expect(backupBucketProtected.check(cfn(new s3.Bucket(scope, 'Logs')))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});
