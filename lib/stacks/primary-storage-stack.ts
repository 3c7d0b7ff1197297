import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlertTopic } from '../alerts/alert-topic.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { ResolvedStorageConfig } from '../config/storage-config.js';
import { AccessLogBucket } from '../storage/access-log-bucket.js';
import { BackupBucket, backupBucketName } from '../storage/backup-bucket.js';
import { BackupKey, backupKeyAliasName } from '../storage/backup-key.js';
import { BucketReplication } from '../storage/replication.js';

export interface PrimaryStorageStackProps extends StackProps {
  /** Prefix of bucket names, key aliases and the Chatbot configuration name. */
  readonly appName: string;
  /** Region of the replica bucket (deployed first by the replica stack). */
  readonly replicaRegion: string;
  readonly storage: ResolvedStorageConfig;
  readonly alerts: AlertsConfig;
}

/**
 * `<appName>-primary-storage`, in the primary region: the backup key and bucket the dump tasks write
 * to, replication into the replica region, and the alert topic.
 */
export class PrimaryStorageStack extends Stack {
  readonly backupKey: BackupKey;
  readonly backupBucket: BackupBucket;
  readonly accessLogs: AccessLogBucket;
  readonly replication: BucketReplication;
  readonly alerts: AlertTopic;

  constructor(scope: Construct, id: string, props: PrimaryStorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const bucketName = backupBucketName(props.appName, this.account, this.region);

    this.backupKey = new BackupKey(this, 'BackupKey', {
      aliasName: backupKeyAliasName(props.appName),
      description: `${props.appName}: PostgreSQL backups and alerts in ${this.region}`,
      encryptsLogs: true,
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs');
    this.replication = new BucketReplication(this, 'Replication', {
      sourceBucketName: bucketName,
      sourceKey: this.backupKey.key,
      destinationBucketName: backupBucketName(props.appName, this.account, props.replicaRegion),
      destinationRegion: props.replicaRegion,
      destinationKeyAliasName: backupKeyAliasName(props.appName),
    });
    this.backupBucket = new BackupBucket(this, 'Backups', {
      bucketName,
      encryptionKey: this.backupKey.key,
      accessLogsBucket: this.accessLogs.bucket,
      storage: props.storage,
      replication: { rules: this.replication.rules, role: this.replication.role },
    });
    // S3 checks the role when replication is configured: its policy must exist first.
    this.backupBucket.bucket.node.addDependency(this.replication.policy);
    this.alerts = new AlertTopic(this, 'Alerts', {
      appName: props.appName,
      masterKey: this.backupKey.key,
      alerts: props.alerts,
      chatbotConfigurationName: `${props.appName}-alerts`,
    });

    new CfnOutput(this, 'BackupBucketName', {
      value: this.backupBucket.bucket.bucketName,
      description: 'Primary backup bucket (pg-backup --bucket)',
    });
    new CfnOutput(this, 'BackupKeyArn', {
      value: this.backupKey.key.keyArn,
      description: 'KMS key of the primary bucket; uploads must name this ARN or none',
    });
    new CfnOutput(this, 'AccessLogBucketName', {
      value: this.accessLogs.bucket.bucketName,
      description: 'Server access logs of the primary bucket',
    });
    new CfnOutput(this, 'ReplicationRoleArn', {
      value: this.replication.role.roleArn,
      description: 'Role S3 replicates to the replica region with',
    });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn, description: 'SNS topic of every alarm and alert' });
  }
}
