import { NagRuleCompliance } from 'cdk-nag';
import {
  actionCovers,
  bucketPolicyStatements,
  grantsBeyondAccountRoot,
  identityPolicyStatements,
  type StatementJson,
  stringsOf,
} from '../cfn-values.js';
import type { PgBackupRule } from '../pg-backup-rule.js';

/** What no principal of this app may be allowed: deleting backups, or loosening what keeps them. */
export const BACKUP_TAMPERING_ACTIONS: readonly string[] = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  // A backup's tags are its retention tier: re-tagging a version can expire it early (removing them only keeps it longer).
  's3:PutObjectVersionTagging',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:PutReplicationConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
];

/**
 * The findings of one statement: each Action entry of an Allow that covers a tampering action
 * (`Action::s3:Delete*`, `Action::*`), or `NotAction` for an Allow with NotAction (it grants all but a list).
 */
export function tamperingFindings(statement: StatementJson): string[] {
  if (statement.Effect !== 'Allow') return [];
  if (statement.NotAction !== undefined) return ['NotAction'];
  return stringsOf(statement.Action)
    .filter((action) => BACKUP_TAMPERING_ACTIONS.some((forbidden) => actionCovers(action, forbidden)))
    .map((action) => `Action::${action}`);
}

/**
 * PgBackup-NoBackupTamperingGrant. Scope: IAM identity policies (AWS::IAM::Policy, AWS::IAM::ManagedPolicy,
 * the inline Policies of roles, users and groups), and the Allow statements of bucket policies that name
 * any principal other than an account root. Key and bucket policies that allow the account root `kms:*` or
 * `s3:*` are the account delegating to IAM, the usual shape of a key policy; whether they also carry explicit
 * Denies is judged elsewhere, not by this rule.
 */
export const noBackupTamperingGrant: PgBackupRule = {
  id: 'NoBackupTamperingGrant',
  info: 'An IAM statement allows deleting backups or loosening a bucket: s3:DeleteObject(Version), object retention or legal hold, governance bypass, Object Lock, versioning, lifecycle, replication or bucket policy.',
  explanation:
    'The backups must survive any one compromised principal: no role, user, group or service principal of the app may delete object versions or change what protects them. Object Lock and lifecycle expire backups; nothing else should.',
  check(node) {
    const identity = identityPolicyStatements(node);
    const statements = identity ?? bucketPolicyStatements(node)?.filter(grantsBeyondAccountRoot);
    if (statements === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const findings = [...new Set(statements.flatMap(tamperingFindings))];
    return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
  },
};
