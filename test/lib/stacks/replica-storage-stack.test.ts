import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { storageApp } from './storage-app.js';

// GIVEN the example stage (a production stage with a vault account); WHEN synthesized with cdk-nag; THEN the
// vault has its own keys, a bucket with the same protections as the primary that only our replication role may
// write into, and its own trail and tripwires, which alert on its own topic.
let template: Template;
let app: ReturnType<typeof storageApp>;
let KEY_ARN: { 'Fn::GetAtt': [string, 'Arn'] };
beforeAll(() => {
  app = storageApp();
  template = Template.fromStack(app.replica);
  const keys = Object.keys(template.findResources('AWS::KMS::Key'));
  KEY_ARN = { 'Fn::GetAtt': [keys.find((k) => k.startsWith('BackupKey'))!, 'Arn'] };
});

const BUCKET = 'pg-backup-backups-210987654321-eu-central-1';
const REPLICATION_ROLE = 'arn:aws:iam::123456789012:role/pg-backup-replication-eu-west-1';
const VAULT_EXEMPT = {
  ArnNotEquals: {
    'aws:PrincipalArn': [
      'arn:aws:iam::210987654321:role/pg-backup-break-glass',
      'arn:aws:iam::210987654321:role/cdk-hnb659fds-cfn-exec-role-210987654321-eu-central-1',
    ],
  },
};

function backupBucketPolicy(): Record<string, any>[] {
  const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p) =>
    JSON.stringify(p.Properties.Bucket).includes('BackupsBucket'),
  )!;
  return policy.Properties.PolicyDocument.Statement as Record<string, any>[];
}

describe('the vault stack', () => {
  test('is in the vault account and the replica region, depends on nothing, with termination protection', () => {
    expect(app.replica.account).toBe('210987654321');
    expect(app.replica.region).toBe('eu-central-1');
    expect(app.replica.stackName).toBe('pg-backup-replica-storage');
    expect(app.replica.dependencies).toEqual([]);
    expect(app.replica.terminationProtection).toBe(true);
  });

  test('has a data key and an operations key, both rotating, retained, with a 30-day deletion window', () => {
    template.resourceCountIs('AWS::KMS::Key', 2);
    template.allResources('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 30 }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/pg-backup-backups', TargetKeyId: KEY_ARN });
  });

  test("its data key is the vault's: the vault account decides, nobody but its break-glass role may end it, and the main account's replication role may only encrypt replicas through S3", () => {
    const key = template.toJSON().Resources[KEY_ARN['Fn::GetAtt'][0]];
    const statements = key.Properties.KeyPolicy.Statement as Record<string, any>[];
    expect(statements.map((s) => s.Sid ?? s.Principal.AWS)).toEqual([
      'arn:aws:iam::210987654321:root',
      'DenyDestroyingTheKeyExceptBreakGlass',
      'DenyGrantsExceptForAwsServices',
      'AllowMainAccountReplicationToEncryptReplicas',
    ]);
    expect(statements[1]).toMatchObject({ Effect: 'Deny', Condition: VAULT_EXEMPT });
    expect(statements[3]).toEqual({
      Sid: 'AllowMainAccountReplicationToEncryptReplicas',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': REPLICATION_ROLE },
        StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] },
      },
    });
  });

  test('has a bucket with the same protections: versioning, SSE-KMS + Bucket Keys, no public access, COMPLIANCE lock, lifecycle, access logs, retained', () => {
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
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } },
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
            // Replication copies each object's tags (s3:ReplicateTags): the replica expires each retention tier alike.
            ...['daily', 'weekly', 'monthly'].map((tier) =>
              Match.objectLike({ Id: `expire-${tier}-backups`, TagFilters: [{ Key: 'backup-tier', Value: tier }], ExpirationInDays: 400 }),
            ),
          ],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogsBucket') }, LogFilePrefix: `${BUCKET}/` },
        ReplicationConfiguration: Match.absent(),
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('its bucket policy denies non-TLS requests and uploads not encrypted with the vault key', () => {
    const statements = backupBucketPolicy();
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyUploadsWithAnotherKmsKey',
        Effect: 'Deny',
        Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN } },
      }),
    );
  });

  test("only the main account's replication role may write into it, taking no ownership, and nobody but the vault's break-glass role may loosen it", () => {
    const statements = backupBucketPolicy();
    expect(statements.find((s) => s.Sid === 'AllowMainAccountReplication')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: ['s3:ObjectOwnerOverrideToBucketOwner', 's3:ReplicateObject', 's3:ReplicateTags'],
      Condition: { ArnEquals: { 'aws:PrincipalArn': REPLICATION_ROLE } },
    });
    for (const sid of ['DenyDestroyingBackupsExceptBreakGlass', 'DenyLooseningTheBucketExceptBreakGlass']) {
      expect(statements.find((s) => s.Sid === sid)).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Condition: VAULT_EXEMPT });
    }
    // The main account's freshness check lists the backups' keys and sizes, nothing more: no object, no key.
    expect(statements.find((s) => s.Sid === 'AllowMainAccountFreshnessCheckToListCopies')).toEqual({
      Sid: 'AllowMainAccountFreshnessCheckToListCopies',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 's3:ListBucket',
      Resource: expect.anything(),
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/pg-backup-freshness-eu-west-1' },
        StringLike: { 's3:prefix': 'databases/*/backups/*' },
      },
    });
    // No other Allow: nothing else of the main account reaches the vault.
    expect(statements.filter((s) => s.Effect === 'Allow').map((s) => s.Sid)).toEqual([
      'AllowMainAccountReplication',
      'AllowMainAccountReplicationToCheckTheBucket',
      'AllowMainAccountFreshnessCheckToListCopies',
    ]);
  });

  test('keeps its own locked audit trail and tripwires, alerting on its own topic', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', { EnableLogFileValidation: true, IsMultiRegionTrail: false });
    template.resourceCountIs('AWS::Events::Rule', 3);
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'pg-backup-alerts' });
  });

  test('outputs the replica bucket name and key ARN (for vault.replicaKeyArn)', () => {
    template.hasOutput('ReplicaBucketName', { Value: { Ref: Match.stringLikeRegexp('^BackupsBucket') } });
    template.hasOutput('ReplicaKeyArn', { Value: KEY_ARN });
  });

  test('in a trial stage (no vault) it is in the main account and says so at synth', () => {
    const { vault: _v, ...rest } = example;
    const trial: AppConfig = { ...rest, production: false, replicaRegion: 'eu-central-1' };
    const stacks = storageApp(trial);
    expect(stacks.replica.account).toBe('123456789012');
    const warnings = stacks.replica.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toContainEqual(expect.stringContaining('the replica is in the main account'));
  });
});
