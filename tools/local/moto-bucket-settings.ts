import {
  type LifecycleRule,
  type ObjectLockRetentionMode,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type ReplicationRule,
  S3Client,
  type TransitionStorageClass,
} from '@aws-sdk/client-s3';
import { PgBackupError } from '../../src/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read by path
type CfnProperties = Record<string, any>;

/** What the stack outputs resolve for a bucket whose template properties hold references. */
export interface BucketReferences {
  readonly keyArn: string;
  readonly accessLogBucketName: string;
  /** @default - the bucket has no replication */
  readonly replicationRoleArn?: string;
  /**
   * The other buckets of the stack by logical id (their physical names): the access-log bucket's policy admits
   * log delivery from each of them (the audit trail's bucket too).
   * @default - none
   */
  readonly otherBuckets?: Readonly<Record<string, string>>;
}

/** The settings moto's CloudFormation skipped and this function applied, by name. */
export type AppliedSetting =
  | 'versioning'
  | 'bucketKey'
  | 'objectLock'
  | 'lifecycle'
  | 'publicAccessBlock'
  | 'policy'
  | 'logBucketPolicy'
  | 'logging'
  | 'replication';

/**
 * moto's CloudFormation creates an AWS::S3::Bucket with only its encryption and tags (moto 5.2). This
 * applies the rest of the synthesized bucket's properties through the S3 API, so that the emulated
 * bucket behaves like the deployed one (versions, Object Lock, replication configuration). The
 * bucket policies of the bucket and its log bucket are applied too (moto checks the log bucket's
 * before it accepts a logging configuration), with their Ref / Fn::GetAtt resolved from the outputs.
 */
export async function applyBucketSettingsMotoSkips(options: {
  readonly endpoint: string;
  readonly region: string;
  readonly template: { Resources: Record<string, { Type: string; Properties?: CfnProperties }> };
  readonly bucketName: string;
  readonly references: BucketReferences;
}): Promise<AppliedSetting[]> {
  const resource = Object.values(options.template.Resources).find(
    (r) => r.Type === 'AWS::S3::Bucket' && r.Properties?.BucketName === options.bucketName,
  );
  if (!resource?.Properties) throw new PgBackupError(`the synthesized template has no AWS::S3::Bucket named ${options.bucketName}`);
  const props = resource.Properties;
  const resources = options.template.Resources;
  const bucketId = Object.keys(resources).find((id) => resources[id] === resource)!;
  const logBucketId: string | undefined = props.LoggingConfiguration?.DestinationBucketName?.Ref;
  const keyId: string | undefined =
    props.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID?.['Fn::GetAtt']?.[0];
  const known: Record<string, { ref: string; arn: string }> = {
    ...Object.fromEntries(
      Object.entries(options.references.otherBuckets ?? {}).map(([id, name]) => [id, { ref: name, arn: `arn:aws:s3:::${name}` }]),
    ),
    [bucketId]: { ref: options.bucketName, arn: `arn:aws:s3:::${options.bucketName}` },
    ...(logBucketId
      ? { [logBucketId]: { ref: options.references.accessLogBucketName, arn: `arn:aws:s3:::${options.references.accessLogBucketName}` } }
      : {}),
    ...(keyId ? { [keyId]: { ref: options.references.keyArn.split('/').pop()!, arn: options.references.keyArn } } : {}),
  };
  const policyOf = (id: string) =>
    Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties?.Bucket?.Ref === id)?.Properties
      ?.PolicyDocument;
  const s3 = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const Bucket = options.bucketName;
  const applied: AppliedSetting[] = [];
  try {
    if (props.VersioningConfiguration) {
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: props.VersioningConfiguration.Status } }));
      applied.push('versioning');
    }
    const sse = props.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
    if (sse?.BucketKeyEnabled) {
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: options.references.keyArn },
                BucketKeyEnabled: true,
              },
            ],
          },
        }),
      );
      applied.push('bucketKey');
    }
    const lock = props.ObjectLockConfiguration;
    if (lock) {
      const retention = lock.Rule?.DefaultRetention;
      await s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            ...(retention ? { Rule: { DefaultRetention: { Mode: retention.Mode as ObjectLockRetentionMode, Days: retention.Days } } } : {}),
          },
        }),
      );
      applied.push('objectLock');
    }
    if (props.LifecycleConfiguration) {
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: { Rules: props.LifecycleConfiguration.Rules.map(lifecycleRule) },
        }),
      );
      applied.push('lifecycle');
    }
    if (props.PublicAccessBlockConfiguration) {
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: props.PublicAccessBlockConfiguration }));
      applied.push('publicAccessBlock');
    }
    for (const [id, name] of [
      [bucketId, options.bucketName],
      ...(logBucketId ? [[logBucketId, options.references.accessLogBucketName]] : []),
    ] as const) {
      const policy = policyOf(id);
      if (policy) {
        await s3.send(
          new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(withoutStatementsMotoCannotEvaluate(resolve(policy, known))) }),
        );
        applied.push(id === bucketId ? 'policy' : 'logBucketPolicy');
      }
    }
    if (props.LoggingConfiguration) {
      await s3.send(
        new PutBucketLoggingCommand({
          Bucket,
          BucketLoggingStatus: {
            LoggingEnabled: {
              TargetBucket: options.references.accessLogBucketName,
              TargetPrefix: props.LoggingConfiguration.LogFilePrefix ?? '',
            },
          },
        }),
      );
      applied.push('logging');
    }
    if (props.ReplicationConfiguration) {
      if (!options.references.replicationRoleArn) throw new PgBackupError(`${Bucket} replicates but no replication role ARN was given`);
      await s3.send(
        new PutBucketReplicationCommand({
          Bucket,
          ReplicationConfiguration: {
            Role: options.references.replicationRoleArn,
            Rules: props.ReplicationConfiguration.Rules.map(replicationRule),
          },
        }),
      );
      applied.push('replication');
    }
  } catch (error) {
    throw new PgBackupError(
      `applying ${Bucket}'s settings to moto failed after ${applied.join(', ') || 'nothing'}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    s3.destroy();
  }
  return applied;
}

/** A lifecycle rule of a template (CloudFormation's shape) in the S3 API's shape. */
export function lifecycleRule(rule: CfnProperties): LifecycleRule {
  return {
    ID: rule.Id,
    Status: rule.Status,
    Filter: { Prefix: rule.Prefix ?? '' },
    ...(rule.Transitions
      ? {
          Transitions: rule.Transitions.map((t: CfnProperties) => ({
            Days: t.TransitionInDays,
            StorageClass: t.StorageClass as TransitionStorageClass,
          })),
        }
      : {}),
    ...(rule.ExpirationInDays ? { Expiration: { Days: rule.ExpirationInDays } } : {}),
    ...(rule.NoncurrentVersionExpiration
      ? { NoncurrentVersionExpiration: { NoncurrentDays: rule.NoncurrentVersionExpiration.NoncurrentDays } }
      : {}),
    ...(rule.AbortIncompleteMultipartUpload
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.AbortIncompleteMultipartUpload.DaysAfterInitiation } }
      : {}),
  };
}

function replicationRule(rule: CfnProperties): ReplicationRule {
  const destination = rule.Destination;
  return {
    ID: rule.Id,
    Priority: rule.Priority,
    Status: rule.Status,
    Filter: { Prefix: rule.Filter?.Prefix ?? '' },
    ...(rule.DeleteMarkerReplication ? { DeleteMarkerReplication: { Status: rule.DeleteMarkerReplication.Status } } : {}),
    ...(rule.SourceSelectionCriteria?.SseKmsEncryptedObjects
      ? { SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: rule.SourceSelectionCriteria.SseKmsEncryptedObjects.Status } } }
      : {}),
    Destination: {
      Bucket: destination.Bucket,
      ...(destination.EncryptionConfiguration
        ? { EncryptionConfiguration: { ReplicaKmsKeyID: destination.EncryptionConfiguration.ReplicaKmsKeyID } }
        : {}),
    },
  };
}

/** Resolves Ref, Fn::GetAtt [id, 'Arn'] and Fn::Join over the resources in `known`; AWS::Partition is `aws`. */
function resolve(value: unknown, known: Record<string, { ref: string; arn: string }>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, known));
  if (value === null || typeof value !== 'object') return value;
  const object = value as CfnProperties;
  if ('Ref' in object) {
    if (object.Ref === 'AWS::Partition') return 'aws';
    const target = known[object.Ref];
    if (!target) throw new PgBackupError(`cannot resolve Ref ${object.Ref} for moto`);
    return target.ref;
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    const target = known[id];
    if (!target || attribute !== 'Arn') throw new PgBackupError(`cannot resolve Fn::GetAtt ${id}.${attribute} for moto`);
    return target.arn;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolve(p, known)).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v, known)]));
}

/**
 * Condition keys moto cannot evaluate: it serves plain HTTP (aws:SecureTransport is always false) and
 * does not fill in S3's request-header keys, so statements on them would deny every upload there.
 */
const KEYS_MOTO_CANNOT_EVALUATE = [
  'aws:SecureTransport',
  's3:TlsVersion',
  's3:x-amz-server-side-encryption',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  // The break-glass exemption: moto knows no principal ARN of its dummy credentials.
  'aws:PrincipalArn',
  // Create-only writes: moto enforces If-None-Match and If-Match themselves, not policies on them.
  's3:if-none-match',
  's3:if-match',
  's3:ObjectCreationOperation',
];

/**
 * The policy less the statements moto would misjudge (TLS-only and the SSE-KMS header rules); the
 * synthesized template keeps all of them (test/lib/stacks asserts it) and real S3 enforces them.
 */
function withoutStatementsMotoCannotEvaluate(policy: unknown): unknown {
  const document = policy as { Statement?: { Condition?: Record<string, Record<string, unknown>> }[] };
  const misjudged = (statement: { Condition?: Record<string, Record<string, unknown>> }) =>
    Object.values(statement.Condition ?? {}).some((condition) => KEYS_MOTO_CANNOT_EVALUATE.some((key) => key in condition));
  return { ...document, Statement: (document.Statement ?? []).filter((statement) => !misjudged(statement)) };
}
