import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { actionCovers, literalText, type StatementJson, statementsOf, stringsOf } from '../cfn-values.js';
import type { PgBackupRule } from '../pg-backup-rule.js';

/**
 * A bucket's L1 properties as Stack.resolve gives them (the CDK shape, camelCase), with the statements of
 * the bucket policies that name it.
 */
export interface BucketFacts {
  readonly bucketName?: unknown;
  readonly objectLockEnabled?: unknown;
  readonly objectLockConfiguration?: { readonly objectLockEnabled?: string; readonly rule?: { readonly defaultRetention?: unknown } };
  readonly versioningConfiguration?: { readonly status?: string };
  readonly bucketEncryption?: {
    readonly serverSideEncryptionConfiguration?: readonly {
      readonly serverSideEncryptionByDefault?: { readonly sseAlgorithm?: string; readonly kmsMasterKeyId?: unknown };
    }[];
  };
  readonly policyStatements: readonly StatementJson[];
}

/** Our backup buckets are named by backupBucketName() (lib/storage/backup-bucket.ts): `<appName>-backups-<account>-<region>`. */
const BACKUP_BUCKET_NAME = /-backups-(\d{12}|<token>)-/;

/** A bucket with Object Lock, or named like a backup bucket (a token part of the name reads as `<token>`). */
export function isBackupBucket(bucket: BucketFacts): boolean {
  return bucket.objectLockEnabled === true || BACKUP_BUCKET_NAME.test(literalText(bucket.bucketName));
}

/**
 * What a backup bucket lacks, each a finding: `ObjectLock` (enabled, with a default retention),
 * `Versioning`, `CustomerKmsKey` (SSE-KMS with a customer managed key, not aws/s3) and `TlsOnly` (a bucket
 * policy denying every action to everyone without aws:SecureTransport).
 */
export function backupBucketGaps(bucket: BucketFacts): string[] {
  const gaps: string[] = [];
  const lock = bucket.objectLockConfiguration;
  if (bucket.objectLockEnabled !== true || lock?.objectLockEnabled !== 'Enabled' || lock.rule?.defaultRetention === undefined) {
    gaps.push('ObjectLock');
  }
  if (bucket.versioningConfiguration?.status !== 'Enabled') gaps.push('Versioning');
  const defaults = (bucket.bucketEncryption?.serverSideEncryptionConfiguration ?? []).map((c) => c.serverSideEncryptionByDefault);
  if (!defaults.some((d) => d?.sseAlgorithm?.startsWith('aws:kms') && isCustomerKey(d.kmsMasterKeyId))) gaps.push('CustomerKmsKey');
  if (!bucket.policyStatements.some(deniesInsecureTransport)) gaps.push('TlsOnly');
  return gaps;
}

/**
 * PgBackup-BackupBucketProtected: every backup bucket (one with Object Lock, or named by backupBucketName())
 * has Object Lock with a default retention, versioning, SSE-KMS with a customer managed key and a TLS-only policy.
 */
export const backupBucketProtected: PgBackupRule = {
  id: 'BackupBucketProtected',
  info: 'A backup bucket lacks Object Lock with a default retention, versioning, SSE-KMS with a customer managed key, or a TLS-only bucket policy.',
  explanation:
    'Backups are the last copy: Object Lock keeps each version for its retention, versioning keeps overwritten ones, our key lets us revoke and audit reads, and TLS keeps them private in transit. A bucket named like a backup bucket without them would hold backups unprotected.',
  check(node) {
    if (!(node instanceof s3.CfnBucket)) return NagRuleCompliance.NOT_APPLICABLE;
    const facts = bucketFacts(node);
    if (!isBackupBucket(facts)) return NagRuleCompliance.NOT_APPLICABLE;
    const gaps = backupBucketGaps(facts);
    return gaps.length > 0 ? gaps : NagRuleCompliance.COMPLIANT;
  },
};

function bucketFacts(node: s3.CfnBucket): BucketFacts {
  const stack = Stack.of(node);
  const ref = JSON.stringify(stack.resolve(node.ref));
  const name = stack.resolve(node.bucketName);
  // The bucket policies of the same stack that name this bucket, by Ref or by its literal name.
  const policies = stack.node
    .findAll()
    .filter((c): c is s3.CfnBucketPolicy => c instanceof s3.CfnBucketPolicy)
    .filter((p) => {
      const bucket = stack.resolve(p.bucket);
      return JSON.stringify(bucket) === ref || (typeof name === 'string' && bucket === name);
    });
  return {
    bucketName: name,
    objectLockEnabled: stack.resolve(node.objectLockEnabled),
    objectLockConfiguration: stack.resolve(node.objectLockConfiguration),
    versioningConfiguration: stack.resolve(node.versioningConfiguration),
    bucketEncryption: stack.resolve(node.bucketEncryption),
    policyStatements: policies.flatMap((p) => statementsOf(stack.resolve(p.policyDocument))),
  };
}

/** A key of the account (a reference to a key resource, or a key ARN), not an alias such as aws/s3. */
function isCustomerKey(key: unknown): boolean {
  if (key === undefined || key === null) return false;
  if (typeof key === 'string') return /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/.test(key);
  return true; // Ref / Fn::GetAtt of a key in the app, or a cross-stack reference to one
}

function deniesInsecureTransport(statement: StatementJson): boolean {
  const secure = statement.Condition?.Bool?.['aws:SecureTransport'];
  const everyone = statement.Principal === '*' || stringsOf((statement.Principal as { AWS?: unknown } | undefined)?.AWS).includes('*');
  return (
    statement.Effect === 'Deny' &&
    everyone &&
    (secure === 'false' || secure === false) &&
    stringsOf(statement.Action).some(
      (a) => actionCovers(a, 's3:GetObject') && actionCovers(a, 's3:PutObject') && actionCovers(a, 's3:DeleteObject'),
    )
  );
}
