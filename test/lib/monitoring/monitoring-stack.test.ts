import { Match, Template } from 'aws-cdk-lib/assertions';
import { execa } from 'execa';
import { beforeAll, describe, expect, test } from 'vitest';
import { databaseParameterValues, FRESHNESS_FUNCTION_ENV } from '../../../src/contract/freshness/function-environment.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { DATABASE_DIMENSION, METRIC_NAMESPACE, MetricName } from '../../../src/contract/metrics.js';
import { monitoringApp } from './monitoring-app.js';

// One synth for the whole file: bundling the Lambda with esbuild is the slow part.
let template: Template;
let app: ReturnType<typeof monitoringApp>;
beforeAll(() => {
  app = monitoringApp({ monitoring: { databases: { 'billing-db': { maxBackupAge: '8d' } } } });
  template = Template.fromStack(app.monitoring);
});

describe('the freshness function', () => {
  test('is a Node 24 ARM Lambda with one concurrent run, its settings in the environment and the path of its database list', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: String(6 * 3600),
          [FRESHNESS_FUNCTION_ENV.bucket]: 'pg-backup-backups-123456789012-eu-west-1',
          [FRESHNESS_FUNCTION_ENV.topicArn]: Match.anyValue(),
          [FRESHNESS_FUNCTION_ENV.stateTable]: Match.anyValue(),
          [FRESHNESS_FUNCTION_ENV.databasesParameterPath]: '/pg-backup/freshness/databases',
        }),
      },
    });
  });

  test("compares with the replica: its bucket, region and lag limit in the environment; it may list the backups' keys there (of any database), nothing more", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [FRESHNESS_FUNCTION_ENV.replicaBucket]: 'pg-backup-backups-210987654321-eu-central-1',
          [FRESHNESS_FUNCTION_ENV.replicaRegion]: 'eu-central-1',
          [FRESHNESS_FUNCTION_ENV.maxReplicaLagSeconds]: String(3 * 3600),
        }),
      },
    });
    // A fixed role name: the vault's bucket policy admits it by ARN.
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'pg-backup-freshness-eu-west-1' });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const replicaStatements = statements.filter((s) => JSON.stringify(s).includes('210987654321'));
    expect(replicaStatements).toEqual([
      {
        Sid: 'ListCopiesInTheReplica',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::pg-backup-backups-210987654321-eu-central-1',
        // Any database's backups (the wildcard is the database id), as the vault admits: a prefix per database would grow the policy with each.
        Condition: { StringLike: { 's3:prefix': 'databases/*/backups/*' } },
      },
    ]);
  });

  test('finds each database with its own limits in SSM parameters of at most 4,000 characters (its environment holds 4 KB in all)', () => {
    const parameters = Object.values(template.findResources('AWS::SSM::Parameter')).map((p) => p.Properties);
    expect(parameters).toEqual([
      expect.objectContaining({ Name: '/pg-backup/freshness/databases/01-001', Type: 'String', Tier: 'Standard' }),
    ]);
    expect(JSON.parse(parameters[0]!.Value)).toEqual([
      {
        id: 'orders-db',
        limits: { maxBackupAgeSeconds: 93_600, maxVerificationAgeSeconds: 691_200, sizeTolerance: 0.3 },
        dumpNowCommand: 'aws scheduler get-schedule --name orders-db-dump ... | aws ecs run-task ...',
        logGroupName: '/pg-backup/jobs',
      },
      {
        id: 'billing-db',
        limits: { maxBackupAgeSeconds: 691_200, maxVerificationAgeSeconds: 691_200, sizeTolerance: 0.3 },
        dumpNowCommand: 'npx pg-backup dump --db-id billing-db --bucket pg-backup-backups-123456789012-eu-west-1 --source "$DATABASE_URL"',
      },
    ]);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
    expect(JSON.stringify(fn.Properties.Environment).length).toBeLessThan(1024);
  });

  test('many databases: the list is cut into parts in order, each under 4,000 characters', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `db-${String(i + 1).padStart(3, '0')}`);
    const values = databaseParameterValues(
      ids.map((id) => ({ id, limits: DEFAULT_LIMITS, dumpNowCommand: `aws scheduler get-schedule --name ${id}-dump ${'.'.repeat(300)}` })),
    );
    expect(values.length).toBeGreaterThan(3);
    for (const value of values) expect(value.length).toBeLessThanOrEqual(4000);
    expect(values.flatMap((v) => (JSON.parse(v) as { id: string }[]).map((d) => d.id))).toEqual(ids);
  });

  test('logs to an encrypted log group with retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: Match.anyValue() });
  });

  test('is invoked by a schedule every 15 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FreshnessFunction'), 'Arn'] } })],
    });
  });

  test('keeps its alert state in an encrypted DynamoDB table with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'databaseId', KeyType: 'HASH' }],
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  test('may read only the pointer documents (of any database: a policy naming two hundred would be too large) and its list, publish metrics only to its namespace, and never delete', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
    const text = JSON.stringify(statements);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'ReadPointerDocuments',
        Action: 's3:GetObject',
        Resource: [
          'arn:aws:s3:::pg-backup-backups-123456789012-eu-west-1/databases/*/latest-verification.json',
          'arn:aws:s3:::pg-backup-backups-123456789012-eu-west-1/databases/*/latest.json',
        ],
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'ssm:GetParametersByPath',
        Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/pg-backup/freshness/databases',
      }),
    );
    expect(text).not.toMatch(/s3:(Delete|Put)/);
    expect(text).not.toContain('dump.pgdump');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
      }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish' }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'] }));
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const databaseAlarm = (db: string) => alarms().find((a) => a.AlarmName === `pg-backup-${db}-backups`)!;

  test('one alarm per database: metric math over its freshness metrics and the replica lag at its own limits, missing data breaching, alarm and OK to the alert topic', () => {
    const orders = databaseAlarm('orders-db');
    expect(orders).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'breaching' });
    const expression = orders.Metrics.find((m: { Expression?: string }) => m.Expression).Expression as string;
    expect(expression).toBe(
      'IF(FILL(age, 93601) > 93600 || FILL(verificationAge, 691201) > 691200 || FILL(passed, 1) < 1 || FILL(anomaly, 0) >= 1 || FILL(replicaLag, 0) > 10800, 1, 0)',
    );
    const inputs = Object.fromEntries(
      orders.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
        (m: { Id: string; MetricStat: { Metric: Record<string, unknown>; Stat: string } }) => [
          m.Id,
          {
            name: m.MetricStat.Metric.MetricName,
            stat: m.MetricStat.Stat,
            dimensions: m.MetricStat.Metric.Dimensions,
            namespace: m.MetricStat.Metric.Namespace,
          },
        ],
      ),
    );
    const dimensions = [{ Name: DATABASE_DIMENSION, Value: 'orders-db' }];
    expect(inputs).toEqual({
      age: { name: MetricName.BackupAgeSeconds, stat: 'Maximum', dimensions, namespace: METRIC_NAMESPACE },
      verificationAge: { name: MetricName.VerificationAgeSeconds, stat: 'Maximum', dimensions, namespace: METRIC_NAMESPACE },
      passed: { name: MetricName.LastVerificationPassed, stat: 'Minimum', dimensions, namespace: METRIC_NAMESPACE },
      anomaly: { name: MetricName.BackupSizeAnomaly, stat: 'Maximum', dimensions, namespace: METRIC_NAMESPACE },
      replicaLag: { name: MetricName.ReplicaLagSeconds, stat: 'Maximum', dimensions, namespace: METRIC_NAMESPACE },
    });
    expect(JSON.stringify(databaseAlarm('billing-db').Metrics)).toContain('FILL(age, 691201) > 691200');
    for (const alarm of [orders, databaseAlarm('billing-db')]) {
      expect(alarm.AlarmActions).toHaveLength(1);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
      expect(JSON.stringify(alarm.AlarmActions)).toMatch(/Alerts/);
    }
  });

  test('two databases, two alarms, plus the two of the check itself', () => {
    expect(alarms()).toHaveLength(4);
  });

  test('the function has an errors alarm and a not-running alarm', () => {
    expect(alarms().filter((a) => a.MetricName === 'Errors')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1, TreatMissingData: 'notBreaching' }),
    ]);
    expect(alarms().filter((a) => a.MetricName === 'Invocations')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/Lambda', ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' }),
    ]);
  });

  test('descriptions say what is watched and what to run first', () => {
    const description = String(databaseAlarm('orders-db').AlarmDescription);
    expect(description).toContain('backup older than 26 h, restore test older than 8 d or FAILED, size 30% off, replica over 3 h behind');
    expect(description).toContain('npx pg-backup status --bucket pg-backup-backups-123456789012-eu-west-1 --db-id orders-db');
  });
});

describe('dashboard', () => {
  test('every database at once through search expressions, one in detail through a drop-down, every alarm listed', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.parse(
      (dashboards[0]!.Properties.DashboardBody['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'X')).join(''),
    ) as { variables: Record<string, unknown>[]; widgets: { properties: Record<string, any> }[] };
    expect(body.variables).toEqual([
      expect.objectContaining({ type: 'property', property: DATABASE_DIMENSION, id: 'database', defaultValue: 'orders-db' }),
    ]);
    const text = JSON.stringify(body.widgets);
    // Every metric but the restore step (inside the whole recovery) and the point-in-time recovery's lag (its verdict is graphed).
    const notSearched: string[] = [MetricName.RestoreSeconds, MetricName.PointInTimeRecoveryLagSeconds];
    for (const metric of Object.values(MetricName).filter((m) => !notSearched.includes(m))) {
      expect(text).toContain(`SEARCH('{${METRIC_NAMESPACE},${DATABASE_DIMENSION}} MetricName=\\"${metric}\\"'`);
    }
    expect(text).toContain('pg-backup-orders-db-backups');
    expect(text).toContain('pg-backup-billing-db-backups');
    // Its size does not grow with the databases but for the alarm list: no widget names one database.
    expect(text).not.toContain('billing-db:');
  });
});

describe('security gates', () => {
  // cdk-nag (AwsSolutions) and the built-in CloudFormation validator already ran in beforeAll:
  // Template.fromStack throws on any unacknowledged finding. cfn-lint is the second opinion.
  test('cfn-lint finds nothing but the W3005 CDK emits for every function role', async () => {
    const assembly = app.app.synth();
    const templatePath = `${assembly.directory}/${app.monitoring.templateFile}`;
    const result = await execa('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath], { reject: false });
    if (result.failed && result.exitCode === undefined)
      throw new Error(`cfn-lint could not be run (${result.shortMessage}): install it with pip install cfn-lint`);
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
