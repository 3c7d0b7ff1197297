import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OperatorRoles } from '../access/operator-roles.js';
import { AlertTopic } from '../alerts/alert-topic.js';
import { type AccessConfig, restorerRoleName } from '../config/access-config.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { ReplicaLocation } from '../config/protection-config.js';
import type { ResolvedReplicationConfig } from '../config/replication-config.js';
import type { ResolvedStorageConfig } from '../config/storage-config.js';
import { ReplicationAlarms } from '../monitoring/replication-alarms.js';
import { AccessLogBucket } from '../storage/access-log-bucket.js';
import { BackupAccess } from '../storage/backup-access.js';
import { BackupBucket, backupBucketName } from '../storage/backup-bucket.js';
import { BackupKey, backupKeyAliasName } from '../storage/backup-key.js';
import { OperationsKey } from '../storage/operations-key.js';
import { protectedPrincipals } from '../storage/protected-principals.js';
import { BucketReplication, REPLICATION_RULE_ID, replicationRoleName } from '../storage/replication.js';
import type { AuditTrail } from '../tripwires/audit-trail.js';
import { watchForDestruction } from '../tripwires/destruction-watch.js';
import type { TripwireRules } from '../tripwires/tripwire-rules.js';

export interface PrimaryStorageStackProps extends StackProps {
  /** Prefix of bucket names, key aliases, alarm, rule and role names, and the Chatbot configuration name. */
  readonly appName: string;
  /** Where the replica bucket is (deployed first by the replica stack): the vault account, or this one. */
  readonly replica: ReplicaLocation;
  readonly storage: ResolvedStorageConfig;
  /** How closely the copies are watched, and whether Replication Time Control is on. */
  readonly replication: ResolvedReplicationConfig;
  readonly alerts: AlertsConfig;
  /** The break-glass role of this account: with CloudFormation, the only one that may loosen the storage. */
  readonly breakGlassRoleName: string;
  /** The runbook a tripwire alert points to. */
  readonly runbook: string;
  /**
   * Who may assume the viewer and restorer roles.
   * @default - neither role is created
   */
  readonly access?: AccessConfig;
}

/**
 * `<appName>-primary-storage`, in the primary region: the data key and the bucket the dump tasks write to,
 * replication into the replica (the vault account), the operations key, the alert topic, the audit trail
 * and the tripwires.
 */
export class PrimaryStorageStack extends Stack {
  readonly backupKey: BackupKey;
  readonly operationsKey: OperationsKey;
  readonly backupBucket: BackupBucket;
  readonly accessLogs: AccessLogBucket;
  readonly replication: BucketReplication;
  readonly alerts: AlertTopic;
  readonly replicationAlarms: ReplicationAlarms;
  readonly auditTrail: AuditTrail;
  readonly tripwires: TripwireRules;
  /** The roles people assume to view and restore (absent when `access` configures none). */
  readonly operatorRoles?: OperatorRoles;

  constructor(scope: Construct, id: string, props: PrimaryStorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const bucketName = backupBucketName(props.appName, this.account, this.region);
    const protection = protectedPrincipals(this, props.breakGlassRoleName);

    this.backupKey = new BackupKey(this, 'BackupKey', {
      aliasName: backupKeyAliasName(props.appName),
      description: `${props.appName}: PostgreSQL backups in ${this.region} (backups only)`,
      protection,
    });
    this.operationsKey = new OperationsKey(this, 'OperationsKey', {
      description: `${props.appName}: alert topic, dead-letter queue, logs and audit trail in ${this.region} (never backups)`,
      protection,
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs');
    const replicaBucketName = backupBucketName(props.appName, props.replica.account, props.replica.region);
    this.replication = new BucketReplication(this, 'Replication', {
      sourceBucketName: bucketName,
      sourceKey: this.backupKey.key,
      roleName: replicationRoleName(props.appName, this.region),
      timeControl: props.replication.timeControl,
      destination: {
        bucketName: replicaBucketName,
        account: props.replica.account,
        region: props.replica.region,
        keyAliasName: backupKeyAliasName(props.appName),
        ...(props.replica.replicaKeyArn ? { keyArn: props.replica.replicaKeyArn } : {}),
      },
    });
    this.backupBucket = new BackupBucket(this, 'Backups', {
      bucketName,
      encryptionKey: this.backupKey.key,
      accessLogsBucket: this.accessLogs.bucket,
      storage: props.storage,
      replication: { rules: this.replication.rules, role: this.replication.role },
      protection,
    });
    // S3 checks the role when replication is configured: its policy must exist first.
    this.backupBucket.bucket.node.addDependency(this.replication.policy);
    this.alerts = new AlertTopic(this, 'Alerts', {
      appName: props.appName,
      masterKey: this.operationsKey.key,
      alerts: props.alerts,
      chatbotConfigurationName: `${props.appName}-alerts`,
      operatorPublisherRoleNames: (props.access?.restorers ?? []).map((restorer) => restorerRoleName(props.appName, restorer.name)),
    });
    this.replicationAlarms = new ReplicationAlarms(this, 'ReplicationAlarms', {
      appName: props.appName,
      sourceBucketName: bucketName,
      destinationBucketName: replicaBucketName,
      ruleId: REPLICATION_RULE_ID,
      maxLag: props.replication.maxLag,
      alertTopic: this.alerts.topic,
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

    if (props.access?.viewers?.length || props.access?.restorers?.length) {
      this.operatorRoles = new OperatorRoles(this, 'OperatorRoles', {
        appName: props.appName,
        access: props.access,
        backups: new BackupAccess(this.backupBucket.bucket, this.backupKey.key),
        alerts: this.alerts,
      });
      for (const [name, role] of this.operatorRoles.restorers) {
        new CfnOutput(this, `RestorerRoleArn${name.replace(/-/g, '')}`, {
          value: role.roleArn,
          description: `Role for pg-backup restore of ${props.access.restorers?.find((r) => r.name === name)?.databases.join(', ')} (MFA)`,
        });
      }
      if (this.operatorRoles.viewer) {
        new CfnOutput(this, 'ViewerRoleArn', {
          value: this.operatorRoles.viewer.roleArn,
          description: 'Role for pg-backup list and status',
        });
      }
    }

    new CfnOutput(this, 'BackupBucketName', {
      value: this.backupBucket.bucket.bucketName,
      description: 'Primary backup bucket (pg-backup --bucket)',
    });
    new CfnOutput(this, 'BackupKeyArn', {
      value: this.backupKey.key.keyArn,
      description: 'Data key of the primary bucket (backups only); uploads must name this ARN or none',
    });
    new CfnOutput(this, 'OperationsKeyArn', {
      value: this.operationsKey.key.keyArn,
      description: 'Operations key: alert topic, dead-letter queue, logs, audit trail',
    });
    new CfnOutput(this, 'AccessLogBucketName', {
      value: this.accessLogs.bucket.bucketName,
      description: 'Server access logs of the primary bucket',
    });
    new CfnOutput(this, 'ReplicationRoleArn', {
      value: this.replication.role.roleArn,
      description: 'Role S3 replicates to the replica with',
    });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn, description: 'SNS topic of every alarm and alert' });
    new CfnOutput(this, 'AuditTrailBucketName', {
      value: this.auditTrail.bucket.bucketName,
      description: 'CloudTrail logs of the backup bucket, locked',
    });
  }
}
