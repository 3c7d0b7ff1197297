import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import { storageApp } from '../stacks/storage-app.js';

// The roles people assume, as synthesized. What they may do is proven by the IAM engine in
// test/tools/access/access-proof.test.ts (the real CLI run as each role); here: their names, trust and shape.

const { primary } = storageApp({
  ...example,
  access: {
    viewers: ['arn:aws:iam::123456789012:role/platform-engineers', 'arn:aws:iam::123456789012:user/auditor'],
    restorers: [
      { name: 'orders-oncall', principals: ['arn:aws:iam::123456789012:role/oncall'], databases: ['orders-db'] },
      { name: 'dba', principals: ['arn:aws:iam::210987654321:root'], databases: ['orders-db'] },
    ],
  },
});
const template = Template.fromStack(primary);

function roleNamed(name: string) {
  const found = Object.values(template.findResources('AWS::IAM::Role', { Properties: { RoleName: name } }));
  expect(found, name).toHaveLength(1);
  return found[0]!.Properties as { AssumeRolePolicyDocument: { Statement: unknown[] }; MaxSessionDuration?: number };
}

function statementsOf(roleLogicalIdPart: string): { Sid?: string; Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const [policy] = Object.entries(policies).filter(([id]) => id.includes(roleLogicalIdPart));
  return (policy![1].Properties.PolicyDocument as { Statement: { Sid?: string; Action: string | string[]; Resource: unknown }[] })
    .Statement;
}

const actionsOf = (statements: ReturnType<typeof statementsOf>) => statements.flatMap((s) => [s.Action].flat());

describe('the viewer role', () => {
  test('is <app>-viewer, assumable by the configured principals (no MFA needed to look)', () => {
    expect(roleNamed('pg-backup-viewer').AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::123456789012:role/platform-engineers', 'arn:aws:iam::123456789012:user/auditor'] },
      },
    ]);
  });

  test('reads only catalog documents: no dump, roles or safety dump is named, nothing is written', () => {
    const statements = statementsOf('Viewer');
    const reads = statements.find((s) => s.Sid === 'ReadCatalogDocuments')!;
    const resources = JSON.stringify(reads.Resource);
    for (const pattern of [
      '/databases/*/latest*',
      '/databases/*/backups/*/manifest.json',
      '/databases/*/backups/*/verification*',
      '/databases/*/restores/*',
      '/databases/*/safety/*/manifest.json',
    ]) {
      expect(resources).toContain(pattern);
    }
    expect(resources).not.toMatch(/dump\.pgdump\.zst|globals\.sql\.zst|databases\/\*"|databases\/\*\/\*"/);
    expect(actionsOf(statements).filter((a) => !/^(s3:(Get|List)|kms:Decrypt$|cloudwatch:(Get|List|Describe))/.test(a))).toEqual([]);
  });
});

describe('a restorer role', () => {
  test('is <app>-restorer-<name>, trusts its principals only with MFA, sessions up to 8 hours', () => {
    const role = roleNamed('pg-backup-restorer-orders-oncall');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:role/oncall' },
      },
    ]);
    expect(role.MaxSessionDuration).toBe(8 * 3600);
    expect(roleNamed('pg-backup-restorer-dba').AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { AWS: 'arn:aws:iam::210987654321:root' },
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    ]);
  });

  test("reads, restores from the archive and writes only its databases' keys, publishes alerts, and can delete nothing", () => {
    const statements = statementsOf('Restorerordersoncall');
    expect(statements.map((s) => s.Sid)).toEqual([
      'ReadBackupsToRestore',
      'ListBackupsToRestore',
      'ReadRetentionSettings',
      'ReadWhichKeyUploadsName',
      'RestoreArchivedBackups',
      'WriteSafetyDumpsAndRecords',
      'UseBackupKeyThroughS3ToRestore',
      'PublishAlerts',
      'EncryptAlertsThroughSns',
    ]);
    const writes = JSON.stringify(statements.find((s) => s.Sid === 'WriteSafetyDumpsAndRecords')!.Resource);
    expect(writes).toContain('/databases/orders-db/safety/*');
    expect(writes).toContain('/databases/orders-db/restores/*');
    expect(writes).not.toContain('/backups/*"');
    expect(actionsOf(statements).filter((a) => /Delete|Retention|LegalHold|Bypass|PutBucket|PutLifecycle/.test(a))).toEqual([]);
  });

  test('each restorer role has an output with its ARN (for a profile)', () => {
    template.hasOutput('RestorerRoleArnordersoncall', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('Restorerordersoncall'), 'Arn'] } });
    template.hasOutput('ViewerRoleArn', Match.anyValue());
  });
});

test('restore records are create-only like backups and safety dumps: the bucket refuses a write without If-None-Match', () => {
  const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p) =>
    JSON.stringify(p).includes('DenyOverwritingBackups'),
  )!;
  const statement = (policy.Properties.PolicyDocument.Statement as { Sid: string; Resource: unknown }[]).find(
    (s) => s.Sid === 'DenyOverwritingBackups',
  )!;
  expect(JSON.stringify(statement.Resource)).toContain('/databases/*/restores/*');
});
