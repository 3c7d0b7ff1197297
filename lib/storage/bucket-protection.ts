import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { RETENTION_TIER_TAG } from '../../src/contract/retention-tiers.js';
import { type ProtectedPrincipals, unlessProtectedPrincipal } from './protected-principals.js';

/**
 * Object actions that delete a version, hide it, or shorten or lift its lock; and re-tagging a version, whose
 * retention tier decides when lifecycle expires it (the dump tags at upload with s3:PutObjectTagging, guarded
 * below; removing a tag only keeps the object longer, under the untiered rule).
 */
export const OBJECT_DESTRUCTIVE_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:BypassGovernanceRetention',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:PutObjectVersionTagging',
] as const;

/** Bucket actions that loosen what keeps the backups: policy, lifecycle, replication, lock, versioning, encryption. */
export const BUCKET_LOOSENING_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutLifecycleConfiguration',
  's3:PutReplicationConfiguration',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketVersioning',
  's3:PutEncryptionConfiguration',
  's3:PutBucketPublicAccessBlock',
  's3:PutBucketAcl',
  's3:PutBucketOwnershipControls',
  's3:PutBucketLogging',
  's3:DeleteBucket',
] as const;

/**
 * Bucket-policy statements that take a backup bucket out of any single principal's reach:
 * - nobody but the break-glass role and CloudFormation's execution role may delete a version, lift or
 *   shorten a lock, or change the bucket's policy, lifecycle, replication, Object Lock or versioning;
 * - history is create-only: every backup object, safety dump and restore record is written with `If-None-Match: *`
 *   (so an existing one can never be overwritten), and every other object under databases/ (the latest pointers) with
 *   `If-None-Match` or `If-Match` (so a concurrent writer can never lose an entry). Multipart parts are
 *   exempt (s3:ObjectCreationOperation is false for them: S3 takes the condition at completion);
 * - a retention tier, once set, stays: nobody but the break-glass role may re-tag an object that has one (a
 *   monthly backup re-tagged daily would expire years early). Tagging a new object at upload is unaffected: it
 *   has no tags yet.
 */
export function protectBucket(bucket: s3.Bucket, principals: ProtectedPrincipals): void {
  const anyone = [new iam.AnyPrincipal()];
  const exempt = unlessProtectedPrincipal(principals);
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyDestroyingBackupsExceptBreakGlass',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: [...OBJECT_DESTRUCTIVE_ACTIONS],
      resources: [bucket.arnForObjects('*')],
      conditions: exempt,
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyLooseningTheBucketExceptBreakGlass',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: [...BUCKET_LOOSENING_ACTIONS],
      resources: [bucket.bucketArn],
      conditions: exempt,
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyRetieringBackupsExceptBreakGlass',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: ['s3:PutObjectTagging'],
      resources: [bucket.arnForObjects('*')],
      conditions: { ...exempt, Null: { [`s3:ExistingObjectTag/${RETENTION_TIER_TAG}`]: 'false' } },
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyOverwritingBackups',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: ['s3:PutObject'],
      // Backups, safety dumps and restore records are history: created once, never overwritten.
      resources: [
        bucket.arnForObjects('databases/*/backups/*'),
        bucket.arnForObjects('databases/*/safety/*'),
        bucket.arnForObjects('databases/*/restores/*'),
      ],
      conditions: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyUnconditionalWrites',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('databases/*')],
      conditions: { Null: { 's3:if-none-match': 'true', 's3:if-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
    }),
  );
}
