import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { protectKey } from './key-protection.js';
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
    // CloudWatch Logs encrypts with its own identity; CDK does not add it. Only this account's log groups here.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
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
