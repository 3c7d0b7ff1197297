import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NagRuleCompliance } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { grantsBeyondAccountRoot, isAccountRoot, type StatementJson } from '../../../lib/nag/cfn-values.js';
import { noBackupTamperingGrant, tamperingFindings } from '../../../lib/nag/rules/no-backup-tampering-grant.js';

const BUCKET = 'arn:aws:s3:::pg-backup-backups-123456789012-eu-west-1';

describe('tamperingFindings: one statement', () => {
  test.each<[string, StatementJson, string[]]>([
    ['reading and writing backups', { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] }, []],
    ['deleting a version', { Effect: 'Allow', Action: 's3:DeleteObjectVersion' }, ['Action::s3:DeleteObjectVersion']],
    ['a Delete wildcard', { Effect: 'Allow', Action: ['s3:GetObject', 's3:Delete*'] }, ['Action::s3:Delete*']],
    ['a Put wildcard (retention, legal hold, bucket policy)', { Effect: 'Allow', Action: 's3:Put*' }, ['Action::s3:Put*']],
    ['every S3 action, in another case', { Effect: 'Allow', Action: 'S3:*' }, ['Action::S3:*']],
    ['every action', { Effect: 'Allow', Action: '*' }, ['Action::*']],
    [
      'bypassing governance retention',
      { Effect: 'Allow', Action: 's3:BypassGovernanceRetention' },
      ['Action::s3:BypassGovernanceRetention'],
    ],
    ['a lifecycle change', { Effect: 'Allow', Action: 's3:PutLifecycleConfiguration' }, ['Action::s3:PutLifecycleConfiguration']],
    ['an Allow with NotAction (all but a list)', { Effect: 'Allow', NotAction: 's3:GetObject' }, ['NotAction']],
    ['a Deny of everything', { Effect: 'Deny', Action: 's3:*' }, []],
    // Removing a backup's retention tier keeps it longer (the untiered rule expires last); re-tagging a version can shorten it.
    ['deleting object tags only', { Effect: 'Allow', Action: 's3:DeleteObjectTagging' }, []],
    ['re-tagging a version', { Effect: 'Allow', Action: 's3:PutObjectVersionTagging' }, ['Action::s3:PutObjectVersionTagging']],
  ])('%s', (_name, statement, expected) => {
    expect(tamperingFindings(statement)).toEqual(expected);
  });
});

describe('account roots and the principals beyond them', () => {
  const rootJoin = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
  test.each<[unknown, boolean]>([
    ['123456789012', true],
    ['arn:aws:iam::123456789012:root', true],
    [rootJoin, true],
    ['arn:aws:iam::123456789012:role/backup', false],
    [{ 'Fn::GetAtt': ['Role', 'Arn'] }, false],
  ])('isAccountRoot(%j) is %s', (principal, expected) => {
    expect(isAccountRoot(principal)).toBe(expected);
  });

  test.each<[string, StatementJson, boolean]>([
    ['the account root', { Effect: 'Allow', Principal: { AWS: rootJoin } }, false],
    ['a role', { Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:role/x'] } }, true],
    ['a service', { Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } }, true],
    ['everyone', { Effect: 'Allow', Principal: '*' }, true],
    ['everyone but one (NotPrincipal)', { Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' } }, true],
  ])('a statement for %s: beyond the root %s', (_name, statement, expected) => {
    expect(grantsBeyondAccountRoot(statement)).toBe(expected);
  });
});

describe('PgBackup-NoBackupTamperingGrant on resources', () => {
  function stack(): Stack {
    return new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  }
  const cfn = (construct: { node: { defaultChild?: unknown } }) => construct.node.defaultChild as CfnResource;

  test('an identity policy granting DeleteObject* on the backups: one finding per action pattern', () => {
    const scope = stack();
    const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*', 's3:DeleteObject*'], resources: [`${BUCKET}/*`] }));
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    expect(noBackupTamperingGrant.check(policy)).toEqual(['Action::s3:DeleteObject*']);
    expect(noBackupTamperingGrant.check(cfn(role))).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('inline role policies, managed policies and users are identity policies too', () => {
    const scope = stack();
    const wide = new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })] });
    const role = new iam.Role(scope, 'Role', { assumedBy: new iam.AccountRootPrincipal(), inlinePolicies: { wide } });
    const managed = new iam.ManagedPolicy(scope, 'Managed', { document: wide });
    const user = new iam.CfnUser(scope, 'User', {
      policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: BUCKET }] } }],
    });
    expect(noBackupTamperingGrant.check(cfn(role))).toEqual(['Action::s3:*']);
    expect(noBackupTamperingGrant.check(cfn(managed))).toEqual(['Action::s3:*']);
    expect(noBackupTamperingGrant.check(user)).toEqual(['Action::s3:PutBucketPolicy']);
  });

  test("a bucket policy: the account root's s3:* is out of scope, a service's PutBucketPolicy is not, a Deny never counts", () => {
    const scope = stack();
    const bucket = new s3.Bucket(scope, 'Bucket', { enforceSSL: true });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['s3:*'], resources: [bucket.bucketArn] }),
    );
    const policy = () => bucket.policy!.node.defaultChild as CfnResource;
    expect(noBackupTamperingGrant.check(policy())).toBe(NagRuleCompliance.COMPLIANT);

    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('backup.amazonaws.com')],
        actions: ['s3:PutBucketPolicy'],
        resources: [bucket.bucketArn],
      }),
    );
    expect(noBackupTamperingGrant.check(policy())).toEqual(['Action::s3:PutBucketPolicy']);
  });

  test('other resources are not judged', () => {
    const scope = stack();
    expect(noBackupTamperingGrant.check(cfn(new sns.Topic(scope, 'Topic')))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});
