import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';
import { SLACK_CONFIG, storageApp } from './storage-app.js';

// GIVEN the example stage with Slack; WHEN synthesized (cdk-nag and the built-in validator run here:
// Template.fromStack throws on any unacknowledged finding); THEN every protection is in the template.
let template: Template;
let app: ReturnType<typeof storageApp>;
/** `{ 'Fn::GetAtt': [<backup (data) key logical id>, 'Arn'] }` */
let KEY_ARN: { 'Fn::GetAtt': [string, 'Arn'] };
/** The operations key's: topic, queues, logs, audit trail. */
let OPERATIONS_KEY_ARN: { 'Fn::GetAtt': [string, 'Arn'] };
beforeAll(() => {
  app = storageApp(SLACK_CONFIG);
  template = Template.fromStack(app.primary);
  const keys = Object.keys(template.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(2);
  KEY_ARN = { 'Fn::GetAtt': [keys.find((k) => k.startsWith('BackupKey'))!, 'Arn'] };
  OPERATIONS_KEY_ARN = { 'Fn::GetAtt': [keys.find((k) => k.startsWith('OperationsKey'))!, 'Arn'] };
});
const BUCKET = 'pg-backup-backups-123456789012-eu-west-1';
/** The example stage's replica is in its vault account. */
const REPLICA_BUCKET = 'pg-backup-backups-210987654321-eu-central-1';
const REPLICA_KEY_ARN = 'arn:aws:kms:eu-central-1:210987654321:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
/** The principals key and bucket policies exempt: the break-glass role and CloudFormation's execution role. */
const EXEMPT = {
  ArnNotEquals: {
    'aws:PrincipalArn': [
      'arn:aws:iam::123456789012:role/pg-backup-break-glass',
      'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1',
    ],
  },
};

function bucketPolicyStatements(bucketLogicalIdPrefix: string): Record<string, unknown>[] {
  const policies = template.findResources('AWS::S3::BucketPolicy');
  const policy = Object.values(policies).find((p) => JSON.stringify(p.Properties.Bucket).includes(bucketLogicalIdPrefix));
  expect(policy, `bucket policy of ${bucketLogicalIdPrefix}`).toBeDefined();
  return policy!.Properties.PolicyDocument.Statement;
}

describe('the stack', () => {
  test('is in the primary region of the account, after the replica stack, with termination protection', () => {
    expect(app.primary.region).toBe('eu-west-1');
    expect(app.primary.account).toBe('123456789012');
    expect(app.primary.stackName).toBe('pg-backup-primary-storage');
    expect(app.primary.dependencies).toContain(app.replica);
    expect(app.primary.terminationProtection).toBe(true);
  });
});

describe('the backup key', () => {
  test('rotates, is retained on stack deletion and has the deterministic alias', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/pg-backup-backups', TargetKeyId: KEY_ARN });
  });

  test("is for backups only: the account (IAM decides every use) and the denies that keep it out of any admin's reach", () => {
    const key = template.toJSON().Resources[KEY_ARN['Fn::GetAtt'][0]];
    const statements = key.Properties.KeyPolicy.Statement as Record<string, any>[];
    expect(key.Properties.PendingWindowInDays).toBe(30);
    expect(statements.map((s) => [s.Effect, s.Principal])).toEqual([
      ['Allow', { AWS: 'arn:aws:iam::123456789012:root' }],
      ['Deny', { AWS: '*' }],
      ['Deny', { AWS: '*' }],
    ]);
    expect(statements[1]).toEqual({
      Sid: 'DenyDestroyingTheKeyExceptBreakGlass',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [
        'kms:CreateAlias',
        'kms:DeleteAlias',
        'kms:DisableKey',
        'kms:DisableKeyRotation',
        'kms:PutKeyPolicy',
        'kms:ScheduleKeyDeletion',
        'kms:UpdateAlias',
      ],
      Resource: '*',
      Condition: EXEMPT,
    });
    expect(statements[2]).toMatchObject({
      Sid: 'DenyGrantsExceptForAwsServices',
      Action: 'kms:CreateGrant',
      Condition: { ...EXEMPT, BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' } },
    });
  });
});

describe('the operations key', () => {
  test("encrypts the alerts, queues, logs and trail: CloudWatch Logs, CloudTrail and the stage's alarms for the alert topic, protected like the data key", () => {
    const key = template.toJSON().Resources[OPERATIONS_KEY_ARN['Fn::GetAtt'][0]];
    const statements = key.Properties.KeyPolicy.Statement as Record<string, any>[];
    expect(statements.map((s) => s.Sid ?? s.Principal.AWS)).toEqual([
      'arn:aws:iam::123456789012:root',
      'DenyDestroyingTheKeyExceptBreakGlass',
      'DenyGrantsExceptForAwsServices',
      'AllowCloudWatchLogsOfThisAccount',
      'AllowCloudTrailOfThisAccount',
      'AllowCloudTrailToDescribeTheKey',
      'AllowStageAlarmsToEncryptAlerts',
    ]);
    expect(statements.find((s) => s.Sid === 'AllowCloudWatchLogsOfThisAccount')).toMatchObject({
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' } },
    });
    expect(statements.find((s) => s.Sid === 'AllowStageAlarmsToEncryptAlerts')).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        StringEquals: {
          'aws:SourceAccount': '123456789012',
          'kms:EncryptionContext:aws:sns:topicArn': 'arn:aws:sns:eu-west-1:123456789012:pg-backup-alerts',
        },
        ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:pg-backup-*' },
      },
    });
  });
});

describe('the primary backup bucket', () => {
  test('has the deterministic name, versioning, SSE-KMS with our key and S3 Bucket Keys, and blocks all public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
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
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  test('is retained when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: BUCKET }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('locks every new version by default (compliance, for the whole retention of 400 days)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } },
    });
  });

  test('nobody but the break-glass role and CloudFormation may delete or unlock a version, or loosen the bucket', () => {
    const statements = bucketPolicyStatements('Backups');
    expect(statements.find((s) => s.Sid === 'DenyDestroyingBackupsExceptBreakGlass')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [
        's3:BypassGovernanceRetention',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectLegalHold',
        's3:PutObjectRetention',
        's3:PutObjectVersionTagging',
      ],
      Condition: EXEMPT,
    });
    // A backup's retention tier, once set, stays (tagging a new object at upload is unaffected: it has no tags yet).
    expect(statements.find((s) => s.Sid === 'DenyRetieringBackupsExceptBreakGlass')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObjectTagging',
      Condition: { ...EXEMPT, Null: { 's3:ExistingObjectTag/backup-tier': 'false' } },
    });
    expect(statements.find((s) => s.Sid === 'DenyLooseningTheBucketExceptBreakGlass')).toMatchObject({
      Effect: 'Deny',
      Action: expect.arrayContaining([
        's3:PutBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:PutLifecycleConfiguration',
        's3:PutReplicationConfiguration',
        's3:PutBucketObjectLockConfiguration',
        's3:PutBucketVersioning',
      ]),
      Condition: EXEMPT,
    });
  });

  test('history is create-only: backups need If-None-Match, every other write If-None-Match or If-Match (parts exempt)', () => {
    const statements = bucketPolicyStatements('Backups');
    expect(statements.find((s) => s.Sid === 'DenyOverwritingBackups')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
    });
    expect(statements.find((s) => s.Sid === 'DenyUnconditionalWrites')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: { Null: { 's3:if-none-match': 'true', 's3:if-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
    });
  });

  test('moves backups to STANDARD_IA then GLACIER, expires them after the retention, expires noncurrent versions and aborts multipart uploads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'tier-and-expire-backups',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER', TransitionInDays: 90 },
            ],
            ExpirationInDays: 400,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
          ...['daily', 'weekly', 'monthly'].map((tier) => ({
            Id: `expire-${tier}-backups`,
            Status: 'Enabled',
            TagFilters: [{ Key: 'backup-tier', Value: tier }],
            ExpirationInDays: 400,
          })),
        ],
      },
    });
  });

  test('logs server access to the separate log bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogsBucket') }, LogFilePrefix: `${BUCKET}/` },
    });
  });

  test('denies requests without TLS or below TLS 1.2', () => {
    const statements = bucketPolicyStatements('BackupsBucket');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
    );
  });

  test('denies uploads encrypted otherwise than with our KMS key', () => {
    const statements = bucketPolicyStatements('BackupsBucket');
    const deny = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(deny('DenyUploadsNotEncryptedWithKms')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    });
    expect(deny('DenyUploadsWithAnotherKmsKey')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN } },
    });
    expect(deny('DenyKmsUploadsWithoutOurKeyId')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: {
        StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      },
    });
  });
});

describe('replication', () => {
  test('copies every object, SSE-KMS ones included, into the vault account bucket (owned there), re-encrypted with the replica key named by ARN; no delete markers', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      ReplicationConfiguration: {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicationRole'), 'Arn'] },
        Rules: [
          {
            Id: 'replicate-all-to-replica-region',
            Status: 'Enabled',
            Priority: 1,
            Filter: { Prefix: '' },
            DeleteMarkerReplication: { Status: 'Disabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: `arn:aws:s3:::${REPLICA_BUCKET}`,
              Account: '210987654321',
              AccessControlTranslation: { Owner: 'Destination' },
              EncryptionConfiguration: { ReplicaKmsKeyID: REPLICA_KEY_ARN },
              // Replication metrics always (their event threshold exists only with Time Control); no Time Control unless configured.
              Metrics: { Status: 'Enabled' },
              ReplicationTime: Match.absent(),
            },
          },
        ],
      },
    });
  });

  test('alarms on any failed replication and on a latency above replication.maxLag, notifying on ALARM and OK', () => {
    const dimensions = [
      { Name: 'DestinationBucket', Value: REPLICA_BUCKET },
      { Name: 'RuleId', Value: 'replicate-all-to-replica-region' },
      { Name: 'SourceBucket', Value: BUCKET },
    ];
    const topic = { Ref: Match.stringLikeRegexp('^AlertsTopic') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'pg-backup-replication-failed',
      Namespace: 'AWS/S3',
      MetricName: 'OperationsFailedReplication',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'pg-backup-replication-latency',
      Namespace: 'AWS/S3',
      MetricName: 'ReplicationLatency',
      Dimensions: dimensions,
      Statistic: 'Maximum',
      Threshold: 3 * 3600,
      EvaluationPeriods: 3,
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  test('Replication Time Control when configured, with its 15-minute threshold', () => {
    const withTimeControl = Template.fromStack(storageApp({ ...SLACK_CONFIG, replication: { timeControl: true, maxLag: '1h' } }).primary);
    withTimeControl.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      ReplicationConfiguration: {
        Rules: [
          Match.objectLike({
            Destination: Match.objectLike({
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
              Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
            }),
          }),
        ],
      },
    });
    withTimeControl.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'pg-backup-replication-latency', Threshold: 3600 });
  });

  test('the role may be assumed only by S3 for our bucket', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 's3.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${BUCKET}` } },
          },
        ],
      },
    });
  });

  test('the role has exactly what Object Lock replication with SSE-KMS needs', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ReplicationRole') }] },
    });
    expect(Object.keys(policies)).toHaveLength(1);
    const statements = Object.values(policies)[0]!.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toEqual([
      {
        Sid: 'ReadReplicationConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: `arn:aws:s3:::${BUCKET}`,
      },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: [
          's3:GetObjectLegalHold',
          's3:GetObjectRetention',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionTagging',
        ],
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      },
      {
        Sid: 'WriteReplicas',
        Effect: 'Allow',
        Action: ['s3:ObjectOwnerOverrideToBucketOwner', 's3:ReplicateObject', 's3:ReplicateTags'],
        Resource: `arn:aws:s3:::${REPLICA_BUCKET}/*`,
      },
      {
        Sid: 'CheckTheVaultBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketObjectLockConfiguration', 's3:GetBucketVersioning'],
        Resource: `arn:aws:s3:::${REPLICA_BUCKET}`,
      },
      {
        Sid: 'DecryptSourceObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] },
        },
      },
      {
        Sid: 'EncryptReplicasWithReplicaKey',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: REPLICA_KEY_ARN,
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [`arn:aws:s3:::${REPLICA_BUCKET}`, `arn:aws:s3:::${REPLICA_BUCKET}/*`] },
        },
      },
    ]);
    // Replicating delete markers would let a delete in the primary reach the vault; wildcards would hide what is granted.
    expect(JSON.stringify(statements)).not.toMatch(/ReplicateDelete|s3:\*|kms:\*/);
  });

  test('the bucket is created after the role policy, which S3 checks when replication is configured', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: BUCKET }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ReplicationPolicy')]),
    });
  });
});

describe('the access-log bucket', () => {
  test('uses SSE-S3 (log delivery cannot use KMS), blocks public access, is versioned, expires logs and is retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              ExpirationInDays: 400,
              NoncurrentVersionExpiration: { NoncurrentDays: 7 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            }),
          ],
        },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('accepts logs only from S3 log delivery for our backup bucket, and only over TLS', () => {
    const statements = bucketPolicyStatements('AccessLogsBucket');
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const backupBucketId = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: BUCKET } }))[0]!;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [backupBucketId, 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': '123456789012' },
        },
      }),
    );
  });
});

describe('the alert topic', () => {
  test('is encrypted with the operations key and refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: OPERATIONS_KEY_ARN });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test("is named <appName>-alerts and lets CloudWatch publish only for the stage's alarms in this account", () => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'pg-backup-alerts' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowStageAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:pg-backup-*' },
            },
          }),
        ]),
      },
    });
  });

  test('refuses every other publisher of the account, administrators and root included: only our publisher roles, by name', () => {
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0]!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'DenyPublishingByAnyoneButOurPublishers',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: { Ref: expect.stringMatching(/^AlertsTopic/) },
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': [
            'arn:aws:iam::123456789012:role/pg-backup-freshness-eu-west-1',
            'arn:aws:iam::123456789012:role/pg-backup-task-alerts-eu-west-1',
            'arn:aws:iam::123456789012:role/pg-backup-tripwire-alerts-eu-west-1',
          ],
        },
        // AWS services (CloudWatch for the stage's alarms) are admitted by the Allow statements alone.
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    // The tripwires' role carries the admitted name.
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'pg-backup-tripwire-alerts-eu-west-1' });
  });

  test('has one e-mail subscription per configured address', () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions.filter((s) => s.Protocol === 'email').map((s) => s.Endpoint)).toEqual([
      'backup-alerts@example.com',
      'dba@example.com',
    ]);
  });

  test('reaches Slack through AWS Chatbot whose guardrail and role are the same CloudWatch-read-only policy', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'pg-backup-alerts',
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCDEF',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      // Not ReadOnlyAccess, which would let anyone in the channel read backups and logs through Chatbot.
      GuardrailPolicies: [{ Ref: Match.stringLikeRegexp('^AlertsChatbotReadCloudWatch') }],
      IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsChatbotRole'), 'Arn'] },
    });
    const chatbotPolicies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^AlertsChatbotRole') }] },
    });
    const actions = Object.values(chatbotPolicies).flatMap((p) =>
      p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string[] }) => s.Action),
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a: string) => /^cloudwatch:(Describe|Get|List)/.test(a))).toBe(true);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
  });
});

describe('outputs', () => {
  test('name the bucket, the key ARN and the topic ARN', () => {
    template.hasOutput('BackupBucketName', { Value: { Ref: Match.stringLikeRegexp('^BackupsBucket') } });
    template.hasOutput('BackupKeyArn', { Value: KEY_ARN });
    template.hasOutput('AlertTopicArn', { Value: { Ref: Match.stringLikeRegexp('^AlertsTopic') } });
  });
});

describe('without Slack', () => {
  test('there is no Chatbot configuration or role', () => {
    const plain = Template.fromStack(storageApp(example).primary);
    plain.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    expect(JSON.stringify(plain.toJSON())).not.toContain('chatbot.amazonaws.com');
  });
});

describe('storage settings from the config', () => {
  test('compliance mode, other days and DEEP_ARCHIVE reach both buckets', () => {
    const stacks = storageApp({
      ...example,
      storage: {
        retentionDays: 3650,
        objectLock: { mode: 'COMPLIANCE', days: 3650 },
        lifecycle: {
          infrequentAccessAfterDays: 45,
          archiveAfterDays: 120,
          archiveStorageClass: 'DEEP_ARCHIVE',
          noncurrentVersionExpirationDays: 14,
        },
      },
    });
    for (const stack of [stacks.primary, stacks.replica]) {
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } } },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
                { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 120 },
              ],
              ExpirationInDays: 3650,
              NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            }),
            ...['daily', 'weekly', 'monthly'].map((tier) => Match.objectLike({ Id: `expire-${tier}-backups`, ExpirationInDays: 3650 })),
          ],
        },
      });
    }
  });

  test('grandfather-father-son: each tier expires by its tag after its own period, in both buckets; untagged objects after the longest', () => {
    // GIVEN daily backups kept 400 days (the lock), weekly ones two years, monthly ones seven
    const stacks = storageApp({
      ...example,
      storage: { ...example.storage, retentionDays: 400, retentionTiers: { weeklyDays: 730, monthlyDays: 2555 } },
    });
    for (const stack of [stacks.primary, stacks.replica]) {
      const rules = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))
        .map((b) => b.Properties.LifecycleConfiguration?.Rules as { Id: string }[] | undefined)
        .find((r) => r?.some((rule) => rule.Id === 'tier-and-expire-backups'))!;
      // THEN the tiering rule expires what has no tier after the longest period, and moves everything through the classes
      expect(rules[0]).toMatchObject({ Id: 'tier-and-expire-backups', ExpirationInDays: 2555, Transitions: expect.any(Array) });
      expect(rules[0]).not.toHaveProperty('TagFilters');
      // and each tier's rule, filtered by the tag the dump sets at upload, expires it at its period (S3 honours the shortest)
      expect(rules.slice(1)).toEqual([
        { Id: 'expire-daily-backups', Status: 'Enabled', TagFilters: [{ Key: 'backup-tier', Value: 'daily' }], ExpirationInDays: 400 },
        { Id: 'expire-weekly-backups', Status: 'Enabled', TagFilters: [{ Key: 'backup-tier', Value: 'weekly' }], ExpirationInDays: 730 },
        { Id: 'expire-monthly-backups', Status: 'Enabled', TagFilters: [{ Key: 'backup-tier', Value: 'monthly' }], ExpirationInDays: 2555 },
      ]);
    }
  });

  test.each<[string, Record<string, number>, string[]]>([
    [
      'a weekly tier shorter than the lock',
      { weeklyDays: 100 },
      [
        '`storage.retentionTiers.weeklyDays` (100) must be at least the Object Lock period (`storage.objectLock.days`: 400 days): S3 cannot expire a locked backup',
      ],
    ],
    [
      'a monthly tier shorter than the weekly one',
      { weeklyDays: 800, monthlyDays: 500 },
      [
        '`storage.retentionTiers.monthlyDays` (500) must be at least `storage.retentionTiers.weeklyDays` (800 days): a monthly backup is kept at least as long as the tier below it',
      ],
    ],
    [
      'a fractional period',
      { monthlyDays: 500.5 },
      ['`storage.retentionTiers.monthlyDays` (500.5) must be a whole number of days from 1 to 36500'],
    ],
  ])('%s is refused, naming the field', (_name, retentionTiers, problems) => {
    expect(appConfigProblems({ ...example, storage: { ...example.storage, retentionTiers } })).toEqual(problems);
  });
});
