import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface BackupKeyProps {
  /** Alias name without the `alias/` prefix; deterministic so the other region can name the key by alias ARN. */
  readonly aliasName: string;
  /** What the key is for, shown in the KMS console. */
  readonly description: string;
  /**
   * Whether CloudWatch Logs may encrypt this account's log groups in this region with it.
   * @default false
   */
  readonly encryptsLogs?: boolean;
}

/** The deterministic alias name of a region's backup key. */
export function backupKeyAliasName(appName: string): string {
  return `${appName}-backups`;
}

/** `arn:aws:kms:<region>:<account>:alias/<appName>-backups`, usable where S3 takes a key id. */
export function backupKeyAliasArn(appName: string, account: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:kms:${region}:${account}:alias/${backupKeyAliasName(appName)}`;
}

/**
 * A region's backup key: symmetric, yearly rotation, retained when the stack is deleted (deleting it
 * would make every backup unreadable), with a deterministic alias.
 *
 * Key policy: CDK's account statement (IAM policies of this account decide, so every grant is an IAM
 * policy a reviewer can read on its role: S3 uses the caller's rights via kms:ViaService), plus only
 * the service principals that call KMS with their own identity: CloudWatch Logs (log groups of this
 * account and region) here, and CloudWatch alarms publishing to the alert topic (added by AlertTopic).
 */
export class BackupKey extends Construct {
  readonly key: kms.Key;
  readonly alias: kms.Alias;

  constructor(scope: Construct, id: string, props: BackupKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alias = new kms.Alias(this, 'Alias', { aliasName: `alias/${props.aliasName}`, targetKey: this.key });

    if (props.encryptsLogs) {
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
    }
  }
}
