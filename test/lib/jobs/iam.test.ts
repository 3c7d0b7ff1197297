import { beforeAll, describe, expect, test } from 'vitest';
import { actionsOf, allStatements, EXAMPLE, EXISTING_VPC_CONFIG, type PolicyStatement, statementsOfRole, synthApp } from './jobs-app.js';

/**
 * Actions that delete backups or loosen the bucket. A statement "allows" one when an Action entry
 * equals it or matches it as an IAM wildcard (s3:Delete*, s3:Put*, s3:*, *).
 */
const FORBIDDEN_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteObjectTagging',
  's3:DeleteBucket',
  's3:DeleteBucketPolicy',
  's3:PutBucketPolicy',
  's3:PutBucketVersioning',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketPublicAccessBlock',
  's3:PutBucketAcl',
  's3:PutEncryptionConfiguration',
  's3:PutReplicationConfiguration',
  's3:PutLifecycleConfiguration',
  's3:PutBucketLogging',
  's3:PutBucketOwnershipControls',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:PutKeyPolicy',
];

function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(action);
}

/** The forbidden actions an Allow statement grants, plus a reason when its shape is unsafe by itself. */
function violations(statement: PolicyStatement): string[] {
  if (statement.Effect !== 'Allow') return [];
  if (statement.NotAction !== undefined) return ['Allow with NotAction'];
  const actions = actionsOf(statement);
  const found = actions.filter((a) => a === '*' || a.toLowerCase() === 's3:*').map((a) => `action ${a}`);
  for (const forbidden of FORBIDDEN_ACTIONS) {
    if (actions.some((a) => matches(a, forbidden))) found.push(forbidden);
  }
  return found;
}

describe.each([
  ['the example stage (new VPC, RDS database)', EXAMPLE],
  ['an existing VPC with a host database and a monitored-only one', EXISTING_VPC_CONFIG],
])('IAM in every stack of %s', (_name, config) => {
  let built: ReturnType<typeof synthApp>;
  beforeAll(() => {
    built = synthApp(config);
  });

  test('the matcher itself: wildcards count, narrower actions do not', () => {
    expect(violations({ Effect: 'Allow', Action: 's3:Delete*' })).toContain('s3:DeleteObjectVersion');
    expect(violations({ Effect: 'Allow', Action: 's3:Put*' })).toEqual(
      expect.arrayContaining(['s3:PutObjectRetention', 's3:PutBucketPolicy']),
    );
    expect(violations({ Effect: 'Allow', Action: '*' })).toContain('action *');
    expect(violations({ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'] })).toEqual([]);
    expect(violations({ Effect: 'Deny', Action: 's3:*' })).toEqual([]);
  });

  test('no statement anywhere allows deleting objects, changing retention or legal holds, or any bucket setting', () => {
    const stacks = Object.entries(built.templates);
    expect(stacks.length).toBeGreaterThanOrEqual(3);
    const found = stacks.flatMap(([stack, template]) =>
      allStatements(template).flatMap(({ where, statement }) => violations(statement).map((v) => `${stack}/${where}: ${v}`)),
    );
    expect(found).toEqual([]);
  });

  test('every stack has IAM statements to check (the scan is not vacuous)', () => {
    expect(allStatements(built.templates[`${config.appName}-jobs`]!).length).toBeGreaterThan(10);
    expect(allStatements(built.templates[`${config.appName}-primary-storage`]!).length).toBeGreaterThan(3);
  });

  test('no S3 object or KMS statement of the jobs stack uses a bare * resource', () => {
    const statements = allStatements(built.jobsTemplate!).map((s) => s.statement);
    for (const statement of statements) {
      const actions = actionsOf(statement);
      if (actions.some((a) => a.startsWith('s3:') || a.startsWith('kms:') || a.startsWith('secretsmanager:') || a.startsWith('rds:'))) {
        expect([].concat(statement.Resource as never), JSON.stringify(statement)).not.toContain('*');
      }
    }
  });

  test("task definitions carry no secret value in their environment: only the secret's reference", () => {
    const taskDefinitions = Object.values(built.jobsTemplate!.findResources('AWS::ECS::TaskDefinition'));
    expect(taskDefinitions).toHaveLength(2);
    for (const td of taskDefinitions) {
      for (const container of td.Properties.ContainerDefinitions) {
        expect(container.Secrets).toBeUndefined();
        for (const { Name, Value } of container.Environment as { Name: string; Value: unknown }[]) {
          expect(Name).not.toMatch(/PASSWORD|PGPASS|TOKEN|^PG_BACKUP_SOURCE$.*:.*@/);
          if (/SECRET/.test(Name)) {
            expect(Name).toBe('PG_BACKUP_SECRET_ARN');
            expect(Value).toMatch(
              /^(arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup\/orders-db\/backup-login-AbCdEf|prod\/billing\/backup-user)$/,
            );
          }
          if (Name === 'PG_BACKUP_SOURCE') expect(Value).not.toMatch(/\/\/[^/@]*:[^/@]*@/);
        }
      }
    }
  });

  test('execution roles may only pull the image and write their logs, and have no managed policies', () => {
    const template = built.jobsTemplate!;
    const taskDefinitions = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const allowed = new Set([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:GetAuthorizationToken',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    for (const td of taskDefinitions) {
      const roleId = td.Properties.ExecutionRoleArn['Fn::GetAtt'][0] as string;
      const role = template.toJSON().Resources[roleId];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      const statements = statementsOfRole(template, roleId);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        for (const action of actionsOf(statement)) expect(allowed, `${roleId}: ${action}`).toContain(action);
        if (actionsOf(statement).includes('ecr:GetAuthorizationToken')) expect(actionsOf(statement)).toEqual(['ecr:GetAuthorizationToken']);
        else expect(statement.Resource).not.toBe('*');
      }
    }
  });
});

describe('task roles of the example database', () => {
  let built: ReturnType<typeof synthApp>;
  const bucketArn = 'arn:aws:s3:::pg-backup-backups-123456789012-eu-west-1';
  beforeAll(() => {
    built = synthApp(EXAMPLE, { monitoring: false });
  });
  function roleStatements(family: string) {
    const template = built.jobsTemplate!;
    const td = Object.values(template.findResources('AWS::ECS::TaskDefinition')).find((t) => t.Properties.Family === family)!;
    return statementsOfRole(template, td.Properties.TaskRoleArn['Fn::GetAtt'][0]);
  }
  const s3Of = (statements: PolicyStatement[]) =>
    statements
      .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
      .map((s) => ({ actions: actionsOf(s).sort(), resources: [].concat(s.Resource as never), condition: s.Condition }));

  test('dump: put and abort only its own backup objects and latest pointer, read the pointer, list its own prefix', () => {
    expect(s3Of(roleStatements('pg-backup-orders-db-dump'))).toEqual([
      {
        actions: ['s3:AbortMultipartUpload', 's3:PutObject'],
        resources: [
          `${bucketArn}/databases/orders-db/backups/*/dump.pgdump.zst`,
          `${bucketArn}/databases/orders-db/backups/*/globals.sql.zst`,
          `${bucketArn}/databases/orders-db/backups/*/manifest.json`,
          `${bucketArn}/databases/orders-db/latest.json`,
        ],
        condition: undefined,
      },
      {
        // Tags at upload: the retention tier, on the backup's three objects only, never on one that has a tier.
        actions: ['s3:PutObjectTagging'],
        resources: [
          `${bucketArn}/databases/orders-db/backups/*/dump.pgdump.zst`,
          `${bucketArn}/databases/orders-db/backups/*/globals.sql.zst`,
          `${bucketArn}/databases/orders-db/backups/*/manifest.json`,
        ],
        condition: {
          StringEquals: { 's3:RequestObjectTag/backup-tier': ['daily', 'weekly', 'monthly'] },
          'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['backup-tier'] },
          Null: { 's3:ExistingObjectTag/backup-tier': 'true' },
        },
      },
      { actions: ['s3:GetObject'], resources: [`${bucketArn}/databases/orders-db/latest.json`], condition: undefined },
      {
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        condition: { StringLike: { 's3:prefix': ['databases/orders-db/*', 'databases/orders-db/'] } },
      },
    ]);
  });

  test('dump: SSE-KMS with the backup key through S3 only, its own secret, its own RDS instance', () => {
    const statements = roleStatements('pg-backup-orders-db-dump');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/databases/orders-db/*`] },
        },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'rds:DescribeDBInstances', Resource: 'arn:aws:rds:eu-west-1:123456789012:db:orders-prod' }),
    );
  });

  test('verify: read its own prefix, write only the verification records, no secret and no RDS', () => {
    const statements = roleStatements('pg-backup-orders-db-verify');
    expect(s3Of(statements)).toEqual([
      { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${bucketArn}/databases/orders-db/*`], condition: undefined },
      {
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        condition: { StringLike: { 's3:prefix': ['databases/orders-db/*', 'databases/orders-db/'] } },
      },
      {
        actions: ['s3:PutObject'],
        resources: [
          `${bucketArn}/databases/orders-db/backups/*/verifications/*`,
          `${bucketArn}/databases/orders-db/latest-verification.json`,
        ],
        condition: undefined,
      },
    ]);
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => /^(secretsmanager|rds):/.test(a))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
  });
});
