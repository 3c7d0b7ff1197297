import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ResolvedStorageConfig } from '../config/storage-config.js';
import { AccessLogBucket } from '../storage/access-log-bucket.js';
import { BackupBucket, backupBucketName } from '../storage/backup-bucket.js';
import { BackupKey, backupKeyAliasName } from '../storage/backup-key.js';

export interface ReplicaStorageStackProps extends StackProps {
  /** Prefix of the bucket name and key alias. */
  readonly appName: string;
  /** Same retention, Object Lock and lifecycle as the primary. */
  readonly storage: ResolvedStorageConfig;
}

/**
 * `<appName>-replica-storage`, in the replica region, deployed before the primary: the replica key and
 * bucket that the primary bucket replicates into, with the same protections.
 */
export class ReplicaStorageStack extends Stack {
  readonly backupKey: BackupKey;
  readonly backupBucket: BackupBucket;
  readonly accessLogs: AccessLogBucket;

  constructor(scope: Construct, id: string, props: ReplicaStorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    this.backupKey = new BackupKey(this, 'BackupKey', {
      aliasName: backupKeyAliasName(props.appName),
      description: `${props.appName}: replica PostgreSQL backups in ${this.region}`,
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs');
    this.backupBucket = new BackupBucket(this, 'Backups', {
      bucketName: backupBucketName(props.appName, this.account, this.region),
      encryptionKey: this.backupKey.key,
      accessLogsBucket: this.accessLogs.bucket,
      storage: props.storage,
    });

    new CfnOutput(this, 'ReplicaBucketName', { value: this.backupBucket.bucket.bucketName, description: 'Replica backup bucket' });
    new CfnOutput(this, 'ReplicaAccessLogBucketName', {
      value: this.accessLogs.bucket.bucketName,
      description: 'Server access logs of the replica bucket',
    });
    new CfnOutput(this, 'ReplicaKeyArn', { value: this.backupKey.key.keyArn, description: 'KMS key of the replica bucket' });
  }
}
