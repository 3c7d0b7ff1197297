import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where replicas go: the replica bucket, in the vault account or in this one, and the key that encrypts them. */
export interface ReplicationDestination {
  readonly bucketName: string;
  readonly account: string;
  readonly region: string;
  /**
   * The replica key's ARN: replication names exactly this key, which nobody can point elsewhere.
   * @default - its alias, `keyAliasName`, until the replica stack's ReplicaKeyArn output is in the config
   */
  readonly keyArn?: string;
  /** The replica key's alias name (without `alias/`). */
  readonly keyAliasName: string;
}

export interface ReplicationProps {
  /** Name of the source (primary) bucket; the role is created before the bucket, so by name. */
  readonly sourceBucketName: string;
  /** The source bucket's key: replication decrypts with it. */
  readonly sourceKey: kms.IKey;
  readonly destination: ReplicationDestination;
  /** The role's name: fixed, so the vault's bucket and key policies can name it (replicationRoleName()). */
  readonly roleName: string;
  /**
   * S3 Replication Time Control (copies within 15 minutes, under an SLA).
   * @default false - replication metrics only
   */
  readonly timeControl?: boolean;
}

/** The one replication rule's id: a dimension of its CloudWatch metrics (lib/monitoring/replication-alarms.ts). */
export const REPLICATION_RULE_ID = 'replicate-all-to-replica-region';

/** `<appName>-replication-<primary region>`: the role the vault's policies admit. */
export function replicationRoleName(appName: string, primaryRegion: string): string {
  return `${appName}-replication-${primaryRegion}`;
}

/**
 * Cross-region (and, with a vault, cross-account) replication of the primary backup bucket: one rule for every
 * object, SSE-KMS objects included and re-encrypted with the replica key, and a role with exactly what
 * replication of an Object Lock bucket needs.
 *
 * The replica bucket and key live in the replica stack, deployed first; they are named here by their
 * deterministic bucket name and by the key ARN from the configuration (an alias only until it is known),
 * never by a cross-stack token, which cannot cross regions or accounts.
 *
 * Into a vault account the replicas change owner (owner override): nothing in the main account owns them.
 * Delete markers are not replicated (and the role has no s3:ReplicateDelete): the replica is the copy that
 * must survive a mistaken or malicious delete in the primary region.
 */
export class BucketReplication extends Construct {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly rules: s3.ReplicationRule[];

  constructor(scope: Construct, id: string, props: ReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { account, partition, region } = stack;
    const destination = props.destination;
    const crossAccount = destination.account !== account;
    const sourceBucketArn = `arn:${partition}:s3:::${props.sourceBucketName}`;
    const destinationBucketArn = `arn:${partition}:s3:::${destination.bucketName}`;
    const destinationKeyAliasArn = `arn:${partition}:kms:${destination.region}:${destination.account}:alias/${destination.keyAliasName}`;

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `S3 replication of ${props.sourceBucketName} to ${destination.bucketName}`,
      // Only S3 acting for our source bucket may assume it (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': sourceBucketArn } },
      }),
    });
    const encryptReplicas = destination.keyArn
      ? new iam.PolicyStatement({
          sid: 'EncryptReplicasWithReplicaKey',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [destination.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${destination.region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [destinationBucketArn, `${destinationBucketArn}/*`] },
          },
        })
      : // Until the key's ARN is in the config: any key of the replica account and region that carries the alias.
        new iam.PolicyStatement({
          sid: 'EncryptReplicasWithReplicaKey',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [`arn:${partition}:kms:${destination.region}:${destination.account}:key/*`],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${destination.region}.amazonaws.com` },
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${destination.keyAliasName}` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [destinationBucketArn, `${destinationBucketArn}/*`] },
          },
        });
    // A customer-managed policy (NIST IAMNoInlinePolicy), attached to this role only.
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Exactly what S3 needs to replicate ${props.sourceBucketName} (Object Lock, SSE-KMS) to ${destination.bucketName}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadReplicationConfiguration',
          actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
          resources: [sourceBucketArn],
        }),
        // GetObjectRetention and GetObjectLegalHold: replication of Object Lock buckets copies the lock too.
        new iam.PolicyStatement({
          sid: 'ReadSourceVersions',
          actions: [
            's3:GetObjectVersionForReplication',
            's3:GetObjectVersionAcl',
            's3:GetObjectVersionTagging',
            's3:GetObjectRetention',
            's3:GetObjectLegalHold',
          ],
          resources: [`${sourceBucketArn}/*`],
        }),
        new iam.PolicyStatement({
          sid: 'WriteReplicas',
          actions: ['s3:ReplicateObject', 's3:ReplicateTags', ...(crossAccount ? ['s3:ObjectOwnerOverrideToBucketOwner'] : [])],
          resources: [`${destinationBucketArn}/*`],
        }),
        ...(crossAccount
          ? [
              new iam.PolicyStatement({
                sid: 'CheckTheVaultBucket',
                actions: ['s3:GetBucketVersioning', 's3:GetBucketObjectLockConfiguration'],
                resources: [destinationBucketArn],
              }),
            ]
          : []),
        new iam.PolicyStatement({
          sid: 'DecryptSourceObjects',
          actions: ['kms:Decrypt'],
          resources: [props.sourceKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
            // With S3 Bucket Keys the context is the bucket ARN, without them the object ARN.
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [sourceBucketArn, `${sourceBucketArn}/*`] },
          },
        }),
        encryptReplicas,
      ],
    });
    Validations.of(this.policy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${sourceBucketArn}/*]`,
        reason: 'replication reads every object version of the source bucket; the wildcard is only the object-key part of that one bucket',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${destinationBucketArn}/*]`,
        reason:
          'replication writes every object version into the replica bucket; the wildcard is only the object-key part of that one bucket',
      },
    );
    if (!destination.keyArn) {
      Validations.of(this.policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:kms:${destination.region}:${destination.account}:key/*]`,
        reason:
          "until the replica stack's ReplicaKeyArn output is in the configuration (vault.replicaKeyArn), the key id is unknown here; kms:Encrypt is limited to the key carrying alias " +
          `alias/${destination.keyAliasName} (kms:ResourceAliases), called by S3 in ${destination.region} for the replica bucket only`,
      });
    }

    this.rules = [
      {
        id: REPLICATION_RULE_ID,
        priority: 1,
        filter: { prefix: '' },
        destination: s3.Bucket.fromBucketAttributes(this, 'Destination', {
          bucketName: destination.bucketName,
          account: destination.account,
          region: destination.region,
        }),
        // S3 takes the key's ARN (or, until it is known, its alias ARN) as ReplicaKmsKeyID.
        kmsKey: kms.Key.fromKeyArn(this, 'DestinationKey', destination.keyArn ?? destinationKeyAliasArn),
        sseKmsEncryptedObjects: true,
        deleteMarkerReplication: false,
        // Into the vault, replicas belong to the vault account.
        ...(crossAccount ? { accessControlTransition: true } : {}),
        // Replication metrics (latency, pending and failed operations) in CloudWatch, always: a stopped copy must be
        // seen. The threshold applies only with Replication Time Control, where it is fixed at 15 minutes.
        metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
        ...(props.timeControl ? { replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES } : {}),
      },
    ];
  }
}
