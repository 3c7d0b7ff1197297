import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { type AlertTopic, alertTopicArn } from '../alerts/alert-topic.js';
import type { ResolvedStorageConfig } from '../config/storage-config.js';
import type { ProtectedPrincipals } from '../storage/protected-principals.js';
import { AuditTrail } from './audit-trail.js';
import { TripwireRules } from './tripwire-rules.js';

export interface DestructionWatchProps {
  readonly appName: string;
  /** The backup bucket of this region (and account). */
  readonly backupBucket: s3.IBucket;
  /** The keys whose ending the tripwires watch: the data key and the operations key. */
  readonly dataKey: kms.IKey;
  /** Encrypts the trail, and is watched too. */
  readonly operationsKey: kms.IKey;
  /** Where the trail bucket's access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** The trail is kept and locked as long as the backups. */
  readonly storage: ResolvedStorageConfig;
  readonly protection: ProtectedPrincipals;
  /** This account's alert topic: the tripwires tell on-call here, in the same account as what they watch. */
  readonly alerts: AlertTopic;
  /** The runbook a tripwire alert points to. */
  readonly runbook: string;
}

/**
 * What every storage stack (the primary, and the vault's) keeps watch with: an audit trail of the backup
 * bucket's data events, locked like the backups, and the tripwire rules on the destructive calls against
 * the buckets and keys of this account and region. Created directly in `scope` (ids `AuditTrail` and
 * `Tripwires`), so both stacks name them alike.
 */
export function watchForDestruction(scope: Construct, props: DestructionWatchProps): { auditTrail: AuditTrail; tripwires: TripwireRules } {
  const auditTrail = new AuditTrail(scope, 'AuditTrail', {
    buckets: [props.backupBucket],
    key: props.operationsKey,
    accessLogsBucket: props.accessLogsBucket,
    retentionDays: props.storage.retentionDays,
    lockDays: props.storage.objectLock.days,
    protection: props.protection,
  });
  const tripwires = new TripwireRules(scope, 'Tripwires', {
    appName: props.appName,
    bucketNames: [props.backupBucket.bucketName, auditTrail.bucket.bucketName],
    keys: [props.dataKey, props.operationsKey].map((k) => ({ arn: k.keyArn, keyId: k.keyId })),
    topic: { topicArn: alertTopicArn(scope, props.appName), grantPublish: (grantee) => props.alerts.grantPublish(grantee) },
    runbook: props.runbook,
  });
  return { auditTrail, tripwires };
}
