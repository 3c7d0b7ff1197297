import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { storageApp } from './storage-app.js';

// GIVEN the example stage; WHEN synthesized with cdk-nag; THEN the replica region has its own key and
// a bucket with the same protections as the primary, and no replication of its own.
let template: Template;
let app: ReturnType<typeof storageApp>;
let KEY_ARN: { 'Fn::GetAtt': [string, 'Arn'] };
beforeAll(() => {
  app = storageApp();
  template = Template.fromStack(app.replica);
  KEY_ARN = { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0]!, 'Arn'] };
});

const BUCKET = 'pg-backup-backups-123456789012-eu-central-1';

describe('the replica stack', () => {
  test('is in the replica region, depends on nothing, with termination protection', () => {
    expect(app.replica.region).toBe('eu-central-1');
    expect(app.replica.stackName).toBe('pg-backup-replica-storage');
    expect(app.replica.dependencies).toEqual([]);
    expect(app.replica.terminationProtection).toBe(true);
  });

  test('has its own rotating, retained key under the same alias name, whose policy trusts only the account', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Resource: '*' }],
        },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/pg-backup-backups', TargetKeyId: KEY_ARN });
  });

  test('has a bucket with the same protections: versioning, SSE-KMS + Bucket Keys, no public access, Object Lock, lifecycle, access logs, retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: BUCKET,
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } } },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
                { StorageClass: 'GLACIER', TransitionInDays: 90 },
              ],
              ExpirationInDays: 400,
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            }),
          ],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogsBucket') }, LogFilePrefix: `${BUCKET}/` },
        ReplicationConfiguration: Match.absent(),
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('its bucket policy denies non-TLS requests and uploads not encrypted with the replica key', () => {
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p) =>
      JSON.stringify(p.Properties.Bucket).includes('BackupsBucket'),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyUploadsWithAnotherKmsKey',
        Effect: 'Deny',
        Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN } },
      }),
    );
    expect(statements.map((s) => s.Sid)).toEqual(
      expect.arrayContaining(['DenyUploadsNotEncryptedWithKms', 'DenyKmsUploadsWithoutOurKeyId']),
    );
  });

  test('outputs the replica bucket name and key ARN', () => {
    template.hasOutput('ReplicaBucketName', { Value: { Ref: Match.stringLikeRegexp('^BackupsBucket') } });
    template.hasOutput('ReplicaKeyArn', { Value: KEY_ARN });
  });

  test('has no IAM roles, topics or custom resources (nothing the emulator cannot run)', () => {
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type)).not.toContainEqual(
      expect.stringMatching(/^(Custom::|AWS::CloudFormation::CustomResource|AWS::Lambda)/),
    );
  });
});
