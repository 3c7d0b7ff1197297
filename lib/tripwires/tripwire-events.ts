/**
 * The CloudTrail events that destroy or loosen what keeps the backups. Each is denied to all but the
 * break-glass role (and CloudFormation) by the key and bucket policies; the tripwires make every attempt,
 * refused or not, loud.
 */

/** Bucket-level S3 calls (CloudTrail management events) that loosen a backup bucket. */
export const BUCKET_TRIPWIRE_EVENTS = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketLifecycle',
  'DeleteBucketLifecycle',
  'PutBucketReplication',
  'DeleteBucketReplication',
  'PutObjectLockConfiguration',
  'PutBucketVersioning',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'PutBucketAcl',
  'PutBucketOwnershipControls',
  'PutBucketLogging',
  'DeleteBucket',
] as const;

/** Object-level S3 calls (CloudTrail data events) that delete a version, hide it, or lift or shorten its lock. */
export const OBJECT_TRIPWIRE_EVENTS = ['DeleteObject', 'DeleteObjects', 'PutObjectRetention', 'PutObjectLegalHold'] as const;

/** KMS calls that end a key or take it out of our hands. */
export const KEY_TRIPWIRE_EVENTS = [
  'ScheduleKeyDeletion',
  'DisableKey',
  'DisableKeyRotation',
  'PutKeyPolicy',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
] as const;
