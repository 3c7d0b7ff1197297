import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { protectKey } from './key-protection.js';
import type { ProtectedPrincipals } from './protected-principals.js';

/** The replication role of another account that may encrypt replicas with this key (the vault's key). */
export interface ReplicationSource {
  /** The main account. */
  readonly account: string;
  /** Its replication role (a fixed name, so this policy can name it before the role exists). */
  readonly roleArn: string;
  /** The replica bucket this key encrypts, for the encryption context. */
  readonly replicaBucketArn: string;
}

export interface BackupKeyProps {
  /** Alias name without the `alias/` prefix: what operators see in the console. */
  readonly aliasName: string;
  /** What the key is for, shown in the KMS console. */
  readonly description: string;
  /** Who, besides CloudFormation, may schedule its deletion, disable it or change its policy. */
  readonly protection: ProtectedPrincipals;
  /**
   * The main account's replication role, when this is the vault's replica key.
   * @default - replicas are written by a role of this account (IAM decides)
   */
  readonly replicationSource?: ReplicationSource;
}

/** The alias name of a region's backup key. */
export function backupKeyAliasName(appName: string): string {
  return `${appName}-backups`;
}

/** `arn:aws:kms:<region>:<account>:alias/<appName>-backups`. */
export function backupKeyAliasArn(appName: string, account: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:kms:${region}:${account}:alias/${backupKeyAliasName(appName)}`;
}

/**
 * A region's data key, for backups only (alerts, queues and logs have the operations key): symmetric,
 * yearly rotation, retained when the stack is deleted, a 30-day deletion window.
 *
 * Key policy: CDK's account statement (IAM policies of this account decide every use, and S3 uses the
 * caller's rights via kms:ViaService), the denies of protectKey (nobody but the break-glass role and
 * CloudFormation may end the key or change its policy, aliases or grants), and for the vault's key the
 * main account's replication role, through S3, for the replica bucket only.
 */
export class BackupKey extends Construct {
  readonly key: kms.Key;
  readonly alias: kms.Alias;

  constructor(scope: Construct, id: string, props: BackupKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alias = new kms.Alias(this, 'Alias', { aliasName: `alias/${props.aliasName}`, targetKey: this.key });
    protectKey(this.key, props.protection);

    const source = props.replicationSource;
    if (source) {
      // Named by aws:PrincipalArn on the main account, not as a principal: this stack deploys before the role exists.
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowMainAccountReplicationToEncryptReplicas',
          principals: [new iam.AccountPrincipal(source.account)],
          actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': source.roleArn },
            StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [source.replicaBucketArn, `${source.replicaBucketArn}/*`] },
          },
        }),
      );
    }
  }
}
