import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { protectKey } from './key-protection.js';
import { allowThisAccountsLogGroups } from './log-group-encryption.js';
import type { ProtectedPrincipals } from './protected-principals.js';

export interface OperationsKeyProps {
  /** What the key encrypts, shown in the KMS console. */
  readonly description: string;
  /** Who, besides CloudFormation, may schedule its deletion, disable it or change its policy. */
  readonly protection: ProtectedPrincipals;
}

/**
 * A region's operations key: the alert topic, the dead-letter queue, the log groups and the audit trail, so the
 * data key encrypts backups only and nothing that uses this key can read a backup. Protected like the data key:
 * ending it would silence the alerts that should announce an attack on the backups.
 *
 * Beyond CDK's account statement, its policy names the services that call KMS with their own identity:
 * CloudWatch Logs (this account's log groups in this region), CloudTrail (this account's trails), and
 * CloudWatch alarms (added by AlertTopic, for the topic's messages only).
 */
export class OperationsKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: OperationsKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    protectKey(this.key, props.protection);
    allowThisAccountsLogGroups(this.key);
    // CloudTrail encrypts the audit trail's log files with its own identity, for this account's trails only.
    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailOfThisAccount',
        principals: [cloudTrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*` },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeTheKey',
        principals: [cloudTrail],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
}
