import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { protectBucket } from '../storage/bucket-protection.js';
import type { ProtectedPrincipals } from '../storage/protected-principals.js';

export interface AuditTrailProps {
  /** The buckets whose every object read and write is recorded (S3 data events). */
  readonly buckets: readonly s3.IBucket[];
  /** Encrypts the trail's log files (the region's operations key, which lets CloudTrail use it). */
  readonly key: kms.IKey;
  /** Where the trail bucket's own access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** Days the audit logs are kept, and locked (COMPLIANCE), like the backups they describe. */
  readonly retentionDays: number;
  readonly lockDays: number;
  /** Who, besides CloudFormation, may loosen the trail's bucket. */
  readonly protection: ProtectedPrincipals;
}

/**
 * A CloudTrail trail in this region with the backup buckets' S3 data events (reads and writes) on top of the
 * management events, so every access to a backup is on record and the object-level tripwires fire. Its log
 * files are encrypted with the operations key, validated (digest files), and kept in a versioned bucket
 * locked in COMPLIANCE mode that nobody but the break-glass role can loosen: the record of an attack
 * outlives the attacker's access.
 */
export class AuditTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.lockDays)),
      lifecycleRules: [
        { id: 'expire-audit-logs', expiration: Duration.days(props.retentionDays), noncurrentVersionExpiration: Duration.days(1) },
      ],
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-trail/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    protectBucket(this.bucket, props.protection);
    Validations.of(this.bucket).acknowledge({
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason:
        "the audit trail of this region's backup buckets; it is locked in COMPLIANCE mode and only the break-glass role may loosen it, and the other region (or the vault account) keeps its own trail",
    });

    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      encryptionKey: props.key,
      enableFileValidation: true,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    this.trail.addS3EventSelector(
      props.buckets.map((bucket) => ({ bucket })),
      { readWriteType: cloudtrail.ReadWriteType.ALL, includeManagementEvents: true },
    );
    Validations.of(this.trail).acknowledge({
      id: 'NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled',
      reason:
        'the alerting path is EventBridge (the tripwire rules receive these events directly and tell on-call within minutes); the log files are kept in a locked bucket for the record, so a second copy in CloudWatch Logs would add cost, not detection',
    });
  }
}
