import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlertTopic } from '../alerts/alert-topic.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { ResolvedStorageConfig } from '../config/storage-config.js';
import { AccessLogBucket } from '../storage/access-log-bucket.js';
import { BackupBucket, backupBucketName, type VaultReplicationSource } from '../storage/backup-bucket.js';
import { BackupKey, backupKeyAliasName } from '../storage/backup-key.js';
import { OperationsKey } from '../storage/operations-key.js';
import { protectedPrincipals } from '../storage/protected-principals.js';
import type { AuditTrail } from '../tripwires/audit-trail.js';
import { watchForDestruction } from '../tripwires/destruction-watch.js';
import type { TripwireRules } from '../tripwires/tripwire-rules.js';

export interface ReplicaStorageStackProps extends StackProps {
  /** Prefix of the bucket name, key alias and alarm and rule names. */
  readonly appName: string;
  /** Same retention, Object Lock and lifecycle as the primary. */
  readonly storage: ResolvedStorageConfig;
  /** The break-glass role of this (the vault's) account: with CloudFormation, the only one that may loosen it. */
  readonly breakGlassRoleName: string;
  /**
   * The main account's replication role, when this stack is in a vault account.
   * @default - same account: replicas come from a role of this account (IAM decides)
   */
  readonly replicationSource?: VaultReplicationSource;
  /** Who hears the tripwires of this account and region (e-mail; Slack stays with the primary). */
  readonly alerts: AlertsConfig;
  /** The runbook a tripwire alert points to. */
  readonly runbook: string;
}

/**
 * `<appName>-replica-storage`, in the vault account (or, for trials, the main account) and the replica region,
 * deployed before the primary: the replica data key and bucket the primary replicates into, with the same
 * protections, and this account's own operations key, audit trail and tripwires, which alert on their own
 * topic: an attack on the main account cannot silence them.
 */
export class ReplicaStorageStack extends Stack {
  readonly backupKey: BackupKey;
  readonly operationsKey: OperationsKey;
  readonly backupBucket: BackupBucket;
  readonly accessLogs: AccessLogBucket;
  readonly alerts: AlertTopic;
  readonly auditTrail: AuditTrail;
  readonly tripwires: TripwireRules;

  constructor(scope: Construct, id: string, props: ReplicaStorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const protection = protectedPrincipals(this, props.breakGlassRoleName);
    const bucketName = backupBucketName(props.appName, this.account, this.region);
    const source = props.replicationSource;
    this.backupKey = new BackupKey(this, 'BackupKey', {
      aliasName: backupKeyAliasName(props.appName),
      description: `${props.appName}: replica PostgreSQL backups in ${this.region} (backups only)`,
      protection,
      ...(source
        ? {
            replicationSource: {
              account: source.account,
              roleArn: source.roleArn,
              replicaBucketArn: `arn:${this.partition}:s3:::${bucketName}`,
            },
          }
        : {}),
    });
    this.operationsKey = new OperationsKey(this, 'OperationsKey', {
      description: `${props.appName}: tripwire alerts, audit trail and logs in ${this.region} (never backups)`,
      protection,
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs');
    this.backupBucket = new BackupBucket(this, 'Backups', {
      bucketName,
      encryptionKey: this.backupKey.key,
      accessLogsBucket: this.accessLogs.bucket,
      storage: props.storage,
      protection,
      ...(source ? { replicationSource: source } : {}),
    });
    this.alerts = new AlertTopic(this, 'Alerts', {
      appName: props.appName,
      masterKey: this.operationsKey.key,
      alerts: { emails: props.alerts.emails },
      chatbotConfigurationName: `${props.appName}-replica-alerts`,
    });
    const watch = watchForDestruction(this, {
      appName: props.appName,
      backupBucket: this.backupBucket.bucket,
      dataKey: this.backupKey.key,
      operationsKey: this.operationsKey.key,
      accessLogsBucket: this.accessLogs.bucket,
      storage: props.storage,
      protection,
      alerts: this.alerts,
      runbook: props.runbook,
    });
    this.auditTrail = watch.auditTrail;
    this.tripwires = watch.tripwires;

    new CfnOutput(this, 'ReplicaBucketName', { value: this.backupBucket.bucket.bucketName, description: 'Replica backup bucket' });
    new CfnOutput(this, 'ReplicaAccessLogBucketName', {
      value: this.accessLogs.bucket.bucketName,
      description: 'Server access logs of the replica bucket',
    });
    new CfnOutput(this, 'ReplicaKeyArn', {
      value: this.backupKey.key.keyArn,
      description: 'KMS key of the replica bucket: copy it to the stage configuration (vault.replicaKeyArn) so replication names it by ARN',
    });
    new CfnOutput(this, 'ReplicaAlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'Tripwire alerts of this account and region',
    });
  }
}
