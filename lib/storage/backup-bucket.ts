import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RETENTION_TIER_TAG, RETENTION_TIERS } from '../../src/contract/retention-tiers.js';
import type { ResolvedStorageConfig } from '../config/storage-config.js';
import type { ReplicationSource } from './backup-key.js';
import { protectBucket } from './bucket-protection.js';
import type { ProtectedPrincipals } from './protected-principals.js';

export interface BackupBucketProps {
  /** Deterministic, so the other region, the CLI and IAM policies can name it: see backupBucketName(). */
  readonly bucketName: string;
  /** The region's backup key: default encryption, and the only key uploads may name. */
  readonly encryptionKey: kms.IKey;
  /** Where server access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** Retention, Object Lock and lifecycle. */
  readonly storage: ResolvedStorageConfig;
  /**
   * Replication of every new object version to the other region.
   * @default - none (the replica bucket itself)
   */
  readonly replication?: {
    readonly rules: s3.ReplicationRule[];
    readonly role: iam.IRole;
  };
  /** Who, besides CloudFormation, may delete versions, lift locks or change the bucket's settings. */
  readonly protection: ProtectedPrincipals;
  /**
   * The main account's replication role, when this is the vault's replica bucket.
   * @default - replicas come from a role of this account
   */
  readonly replicationSource?: VaultReplicationSource;
}

/** Who in the main account reaches the vault's bucket: its replication role, and its freshness check's role to list copies. */
export interface VaultReplicationSource extends Pick<ReplicationSource, 'account' | 'roleArn'> {
  /** The freshness check's role (a fixed name, like the replication role's). */
  readonly watcherRoleArn: string;
}

// The name is part of the contract with the CLI (which derives the alert topic from it): src/contract/resource-names.ts.
export { backupBucketName } from '../../src/contract/resource-names.js';

/**
 * A backup bucket: versioned, SSE-KMS with the region's key and S3 Bucket Keys, no public access,
 * TLS 1.2+ only, uploads only with our key, Object Lock default retention, lifecycle tiers and expiry,
 * server access logs, retained when the stack is deleted.
 */
export class BackupBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const { tierDays, objectLock, lifecycle } = props.storage;
    const lockPeriod = Duration.days(objectLock.days);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        objectLock.mode === 'COMPLIANCE' ? s3.ObjectLockRetention.compliance(lockPeriod) : s3.ObjectLockRetention.governance(lockPeriod),
      // Every object moves through the storage classes and expires at the latest after the longest tier (objects
      // without a tier: records, safety dumps, backups from before tiers). S3 honours the shortest expiration that
      // applies, so each tier's own rule, filtered by the tag the dump sets at upload, expires it at its period.
      lifecycleRules: [
        {
          id: 'tier-and-expire-backups',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(lifecycle.infrequentAccessAfterDays) },
            {
              storageClass: lifecycle.archiveStorageClass === 'DEEP_ARCHIVE' ? s3.StorageClass.DEEP_ARCHIVE : s3.StorageClass.GLACIER,
              transitionAfter: Duration.days(lifecycle.archiveAfterDays),
            },
          ],
          expiration: Duration.days(tierDays.monthly),
          noncurrentVersionExpiration: Duration.days(lifecycle.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        ...RETENTION_TIERS.map(
          (tier): s3.LifecycleRule => ({
            id: `expire-${tier}-backups`,
            tagFilters: { [RETENTION_TIER_TAG]: tier },
            expiration: Duration.days(tierDays[tier]),
          }),
        ),
      ],
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.replication ? { replicationRules: props.replication.rules, replicationRole: props.replication.role } : {}),
    });

    if (!props.replication) {
      Validations.of(this.bucket).acknowledge({
        id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
        reason: "this is the replica bucket: the destination of the primary bucket's cross-region replication, in the second region",
      });
    }

    // Uploads may rely on the default encryption (our key) or name it; naming anything else is refused.
    // Replication writes with s3:ReplicateObject, so these statements never block replicas.
    const anyone = new iam.AnyPrincipal();
    const objects = this.bucket.arnForObjects('*');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUploadsNotEncryptedWithKms',
        effect: iam.Effect.DENY,
        principals: [anyone],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUploadsWithAnotherKmsKey',
        effect: iam.Effect.DENY,
        principals: [anyone],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.encryptionKey.keyArn } },
      }),
    );
    // `aws:kms` without a key id would fall back to the AWS-managed aws/s3 key, not ours.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyKmsUploadsWithoutOurKeyId',
        effect: iam.Effect.DENY,
        principals: [anyone],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: {
          StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
        },
      }),
    );

    protectBucket(this.bucket, props.protection);
    const source = props.replicationSource;
    if (source) {
      // The main account's replication role, named by aws:PrincipalArn (this stack deploys before it exists); the
      // objects it writes become the vault's (owner override), so nothing in the main account owns a replica.
      const fromReplicationRole = { ArnEquals: { 'aws:PrincipalArn': source.roleArn } };
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowMainAccountReplication',
          principals: [new iam.AccountPrincipal(source.account)],
          actions: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
          resources: [objects],
          conditions: fromReplicationRole,
        }),
      );
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowMainAccountReplicationToCheckTheBucket',
          principals: [new iam.AccountPrincipal(source.account)],
          actions: ['s3:GetBucketVersioning', 's3:GetBucketObjectLockConfiguration'],
          resources: [this.bucket.bucketArn],
          conditions: fromReplicationRole,
        }),
      );
      // The main account's freshness check lists the backups' keys and sizes to see each copy arrive; it gets no
      // object and no use of the key, so it cannot read a backup from the vault.
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowMainAccountFreshnessCheckToListCopies',
          principals: [new iam.AccountPrincipal(source.account)],
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { ArnEquals: { 'aws:PrincipalArn': source.watcherRoleArn }, StringLike: { 's3:prefix': 'databases/*/backups/*' } },
        }),
      );
    }
  }
}
