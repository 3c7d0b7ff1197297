import { Match, Template } from 'aws-cdk-lib/assertions';
import { execa } from 'execa';
import { beforeAll, describe, expect, test } from 'vitest';
import { FRESHNESS_FUNCTION_ENV } from '../../../src/contract/freshness/function-environment.js';
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
  test('is a Node 24 ARM Lambda with one concurrent run and its configuration in the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: String(6 * 3600),
          [FRESHNESS_FUNCTION_ENV.bucket]: Match.anyValue(),
          [FRESHNESS_FUNCTION_ENV.topicArn]: Match.anyValue(),
          [FRESHNESS_FUNCTION_ENV.stateTable]: Match.anyValue(),
          [FRESHNESS_FUNCTION_ENV.databases]: Match.anyValue(),
        }),
      },
    });
  });

  test("compares with the replica: its bucket, region and lag limit in the environment; it may list the backups' keys there, nothing more", () => {
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
        Condition: { StringLike: { 's3:prefix': ['databases/orders-db/backups/*', 'databases/billing-db/backups/*'] } },
      },
    ]);
  });

  test('carries each database with its own limits', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
    const databases = JSON.stringify(fn.Properties.Environment.Variables[FRESHNESS_FUNCTION_ENV.databases]);
    expect(databases).toContain('\\"id\\":\\"orders-db\\",\\"limits\\":{\\"maxBackupAgeSeconds\\":93600');
    expect(databases).toContain('\\"id\\":\\"billing-db\\",\\"limits\\":{\\"maxBackupAgeSeconds\\":691200');
    expect(databases).toContain('aws ecs run-task --cluster c --task-definition dump-orders-db');
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

  test('may read only the pointer documents, publish metrics only to its namespace, and never delete', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
    const text = JSON.stringify(statements);
    for (const db of ['orders-db', 'billing-db']) {
      expect(text).toContain(`/databases/${db}/latest.json`);
      expect(text).toContain(`/databases/${db}/latest-verification.json`);
    }
    expect(text).not.toContain('/databases/*');
    expect(text).not.toMatch(/s3:(Delete|Put)/);
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
  const alarmsOf = (metricName: string) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } })).map((a) => a.Properties);

  test('backup age: per database at its limit, missing data breaching, alarm and OK to the alert topic', () => {
    const alarms = alarmsOf(MetricName.BackupAgeSeconds);
    expect(alarms).toHaveLength(2);
    const byDb = Object.fromEntries(alarms.map((a) => [a.Dimensions[0].Value, a]));
    expect(byDb['orders-db']).toMatchObject({
      Namespace: METRIC_NAMESPACE,
      Dimensions: [{ Name: DATABASE_DIMENSION, Value: 'orders-db' }],
      Threshold: 93_600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(byDb['billing-db']!.Threshold).toBe(691_200);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toHaveLength(1);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
      expect(JSON.stringify(alarm.AlarmActions)).toMatch(/Alerts/);
    }
  });

  test.each([
    [MetricName.VerificationAgeSeconds, 'breaching'],
    [MetricName.LastVerificationPassed, 'notBreaching'],
    [MetricName.BackupSizeAnomaly, 'notBreaching'],
  ])('%s has one alarm per database treating missing data as %s', (metricName, missing) => {
    const alarms = alarmsOf(metricName);
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm.TreatMissingData).toBe(missing);
      expect(alarm.OKActions).toHaveLength(1);
    }
  });

  test('the function has an errors alarm and a not-running alarm', () => {
    expect(alarmsOf('Errors')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1, TreatMissingData: 'notBreaching' }),
    ]);
    expect(alarmsOf('Invocations')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/Lambda', ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' }),
    ]);
  });

  test('descriptions tell a human what to run first', () => {
    const [orders] = alarmsOf(MetricName.BackupAgeSeconds).filter((a) => a.Dimensions[0].Value === 'orders-db');
    expect(JSON.stringify(orders!.AlarmDescription)).toContain('the newest backup is older than 26 h');
    expect(JSON.stringify(orders!.AlarmDescription)).toContain('npx pg-backup status --bucket ');
  });
});

describe('dashboard', () => {
  test('has a row per database with backup age, size, dump and restore duration and verification', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const db of ['orders-db', 'billing-db']) {
      expect(body).toContain(`${db}: newest backup age (hours)`);
      expect(body).toContain(`${db}: backup size (stored bytes)`);
      expect(body).toContain(`${db}: dump and restore duration (seconds)`);
      expect(body).toContain(`${db}: verification`);
    }
    // Point-in-time recovery is published for watched RDS instances only; its alarm is on the alarm widget.
    const notGraphed: string[] = [MetricName.BackupSizeAnomaly, MetricName.PointInTimeRecoveryOk, MetricName.PointInTimeRecoveryLagSeconds];
    for (const metric of Object.values(MetricName).filter((m) => !notGraphed.includes(m))) {
      expect(body).toContain(metric);
    }
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
