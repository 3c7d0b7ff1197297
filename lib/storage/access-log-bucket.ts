import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AccessLogBucketProps {
  /**
   * Days access logs are kept.
   * @default 400
   */
  readonly expirationDays?: number;
}

/**
 * Receives the server access logs of the backup bucket in the same region. SSE-S3, because S3's log
 * delivery cannot write SSE-KMS objects; otherwise as locked down as the backup bucket.
 */
export class AccessLogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.expirationDays ?? 400),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'this is the access-log bucket; logging its own access would loop into itself' },
      {
        id: 'NIST.800.53.R5-S3BucketLoggingEnabled',
        reason: 'this is the access-log bucket; logging its own access would loop into itself',
      },
      {
        id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
        reason: 'S3 server access log delivery cannot write to SSE-KMS buckets; SSE-S3 (AES-256) is the strongest it supports',
      },
      {
        id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
        reason: 'access logs are audit data of this region; the backups themselves are replicated, their access logs need not be',
      },
    );
  }
}
