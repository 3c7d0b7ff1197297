import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ReplicationProps {
  /** Name of the source (primary) bucket; the role is created before the bucket, so by name. */
  readonly sourceBucketName: string;
  /** The source bucket's key: replication decrypts with it. */
  readonly sourceKey: kms.IKey;
  /** Name of the replica bucket in the other region. */
  readonly destinationBucketName: string;
  readonly destinationRegion: string;
  /** Alias name (without `alias/`) of the replica key in the destination region. */
  readonly destinationKeyAliasName: string;
}

/**
 * Cross-region replication of the primary backup bucket: one rule for every object, SSE-KMS objects
 * included and re-encrypted with the replica key, and a role with exactly what replication of an
 * Object Lock bucket needs.
 *
 * The replica bucket and key live in the replica stack; they are named here by their deterministic
 * names (bucket name, alias ARN), never by a cross-stack token: the replica stack deploys first, and a
 * token would make a dependency cycle or a cross-region reference.
 *
 * Delete markers are not replicated (and the role has no s3:ReplicateDelete): the replica is the copy
 * that must survive a mistaken or malicious delete in the primary region. The replica bucket expires
 * its own versions with the same lifecycle.
 */
export class BucketReplication extends Construct {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly rules: s3.ReplicationRule[];

  constructor(scope: Construct, id: string, props: ReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { account, partition, region } = stack;
    const sourceBucketArn = `arn:${partition}:s3:::${props.sourceBucketName}`;
    const destinationBucketArn = `arn:${partition}:s3:::${props.destinationBucketName}`;
    const destinationKeyAliasArn = `arn:${partition}:kms:${props.destinationRegion}:${account}:alias/${props.destinationKeyAliasName}`;

    this.role = new iam.Role(this, 'Role', {
      description: `S3 replication of ${props.sourceBucketName} to ${props.destinationBucketName}`,
      // Only S3 acting for our source bucket may assume it (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': sourceBucketArn } },
      }),
    });
    // A customer-managed policy (NIST IAMNoInlinePolicy), attached to this role only.
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Exactly what S3 needs to replicate ${props.sourceBucketName} (Object Lock, SSE-KMS) to ${props.destinationBucketName}`,
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
          actions: ['s3:ReplicateObject', 's3:ReplicateTags'],
          resources: [`${destinationBucketArn}/*`],
        }),
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
        // The replica key's id is random and lives in the other stack: name it by its alias instead.
        new iam.PolicyStatement({
          sid: 'EncryptReplicasWithReplicaKey',
          actions: ['kms:Encrypt'],
          resources: [`arn:${partition}:kms:${props.destinationRegion}:${account}:key/*`],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${props.destinationRegion}.amazonaws.com` },
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${props.destinationKeyAliasName}` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [destinationBucketArn, `${destinationBucketArn}/*`] },
          },
        }),
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
      {
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:kms:${props.destinationRegion}:${account}:key/*]`,
        reason:
          'the replica key id is random and lives in the replica stack (a token would be a cross-region reference); kms:Encrypt is limited to the key carrying alias ' +
          `alias/${props.destinationKeyAliasName} (kms:ResourceAliases), called by S3 in ${props.destinationRegion} for the replica bucket only`,
      },
    );

    this.rules = [
      {
        id: 'replicate-all-to-replica-region',
        priority: 1,
        filter: { prefix: '' },
        destination: s3.Bucket.fromBucketAttributes(this, 'Destination', {
          bucketName: props.destinationBucketName,
          account,
          region: props.destinationRegion,
        }),
        // S3 accepts an alias ARN as ReplicaKmsKeyID.
        kmsKey: kms.Key.fromKeyArn(this, 'DestinationKey', destinationKeyAliasArn),
        sseKmsEncryptedObjects: true,
        deleteMarkerReplication: false,
      },
    ];
  }
}
