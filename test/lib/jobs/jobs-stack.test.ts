import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { FRESHNESS_FUNCTION_ENV } from '../../../src/contract/freshness/function-environment.js';
import { EXAMPLE, EXISTING_VPC_CONFIG, synthApp } from './jobs-app.js';

/** The container environment of the task definition `family`, as a map. */
function environmentOf(template: Template, family: string): Record<string, unknown> {
  const td = Object.values(template.findResources('AWS::ECS::TaskDefinition')).find((t) => t.Properties.Family === family);
  expect(td, family).toBeDefined();
  return Object.fromEntries(
    (td!.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
  );
}

// GIVEN the example stage (orders-db on RDS, a new VPC); WHEN the whole app is synthesized once.
let built: ReturnType<typeof synthApp>;
let jobs: Template;
beforeAll(() => {
  built = synthApp(EXAMPLE);
  jobs = built.jobsTemplate!;
});

describe('the jobs stack of the example stage', () => {
  test('is pg-backup-jobs in the primary region, after the primary storage', () => {
    expect(built.jobs!.stackName).toBe('pg-backup-jobs');
    expect(built.jobs!.region).toBe('eu-west-1');
    expect(built.jobs!.dependencies.map((s) => s.stackName)).toContain('pg-backup-primary-storage');
  });

  test('has one cluster with Container Insights', () => {
    jobs.resourceCountIs('AWS::ECS::Cluster', 1);
    jobs.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'pg-backup-jobs',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('has a Fargate dump task definition: ARM64, 2 vCPU / 4 GiB, `pg-backup dump` against the RDS instance, logs to the database log group', () => {
    jobs.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'pg-backup-orders-db-dump',
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Command: ['dump'],
          Image: Match.anyValue(),
          LogConfiguration: { LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-stream-prefix': 'dump' }) },
        }),
      ],
    });
    expect(environmentOf(jobs, 'pg-backup-orders-db-dump')).toEqual({
      PG_BACKUP_DB_ID: 'orders-db',
      PG_BACKUP_BUCKET: 'pg-backup-backups-123456789012-eu-west-1',
      PG_BACKUP_KMS_KEY_ID: {
        'Fn::GetStackOutput': expect.objectContaining({
          StackName: 'pg-backup-primary-storage',
          OutputName: expect.stringMatching(/BackupKey.*Arn/),
        }),
      },
      AWS_REGION: 'eu-west-1',
      PG_BACKUP_RDS_INSTANCE: 'orders-prod',
      PG_BACKUP_DATABASE: 'orders',
      PG_BACKUP_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
      PGSSLMODE: 'verify-full',
      // kept in each manifest, so a restore runs them on its target
      PG_BACKUP_SMOKE_QUERIES: '["SELECT count(*) > 0 FROM orders"]',
    });
  });

  test('has a Fargate verify task definition: 4 vCPU / 16 GiB / 200 GiB ephemeral storage, smoke queries as JSON', () => {
    jobs.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'pg-backup-orders-db-verify',
      Cpu: '4096',
      Memory: '16384',
      EphemeralStorage: { SizeInGiB: 200 },
      ContainerDefinitions: [
        Match.objectLike({
          Command: ['verify'],
          LogConfiguration: { LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-stream-prefix': 'verify' }) },
        }),
      ],
    });
    expect(environmentOf(jobs, 'pg-backup-orders-db-verify')).toEqual({
      PG_BACKUP_DB_ID: 'orders-db',
      PG_BACKUP_BUCKET: 'pg-backup-backups-123456789012-eu-west-1',
      PG_BACKUP_KMS_KEY_ID: expect.anything(),
      AWS_REGION: 'eu-west-1',
      PG_BACKUP_WORK_DIR: '/tmp',
      PG_BACKUP_SMOKE_QUERIES: '["SELECT count(*) > 0 FROM orders"]',
    });
  });

  test("both images come from one Docker image asset of the repository's Dockerfile, built for ARM64", () => {
    const images = Object.values(jobs.findResources('AWS::ECS::TaskDefinition')).map((td) =>
      JSON.stringify(td.Properties.ContainerDefinitions[0].Image),
    );
    expect(new Set(images).size).toBe(1);
    const assets = JSON.parse(readFileSync(path.join(built.assembly.directory, 'pg-backup-jobs.assets.json'), 'utf8'));
    const docker = Object.values(assets.dockerImages) as { source: { directory: string; platform: string } }[];
    expect(docker).toHaveLength(1);
    expect(docker[0]!.source.platform).toBe('linux/arm64');
    // The staged build context is the repository root: its Dockerfile, without node_modules (.dockerignore).
    const context = path.join(built.assembly.directory, docker[0]!.source.directory);
    expect(readFileSync(path.join(context, 'Dockerfile'), 'utf8')).toContain('ENTRYPOINT ["pg-backup"]');
    expect(existsSync(path.join(context, 'node_modules'))).toBe(false);
  });

  test('logs go to /pg-backup/jobs/orders-db, encrypted with the backup key, kept 365 days and retained', () => {
    jobs.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: '/pg-backup/jobs/orders-db',
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'pg-backup-primary-storage' }) },
      },
      DeletionPolicy: 'Retain',
    });
    for (const group of Object.values(jobs.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.KmsKeyId).toBeDefined();
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });

  test('the backup key lets CloudWatch Logs of this account and region use it', () => {
    built.templates['pg-backup-primary-storage']!.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt*', 'kms:GenerateDataKey*']),
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' } },
          }),
        ]),
      },
    });
  });

  test.each([
    ['dump', 'cron(0 2 * * ? *)'],
    ['verify', 'cron(0 6 * * ? *)'],
  ])(
    'schedules the %s daily (%s UTC) on Fargate in private subnets without public IP, with retries and the dead-letter queue',
    (job, expression) => {
      jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Cluster'), 'Arn'] },
          RoleArn: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ScheduleDeadLetters'), 'Arn'] } },
          EcsParameters: {
            LaunchType: 'FARGATE',
            TaskDefinitionArn: { Ref: Match.stringLikeRegexp(`Database.*${job === 'dump' ? 'Dump' : 'Verify'}TaskDefinition`) },
            NetworkConfiguration: {
              AwsvpcConfiguration: {
                AssignPublicIp: 'DISABLED',
                SecurityGroups: [Match.anyValue()],
                Subnets: [{ Ref: Match.stringLikeRegexp('tasksSubnet1') }, { Ref: Match.stringLikeRegexp('tasksSubnet2') }],
              },
            },
          },
        },
      });
    },
  );

  test('the dead-letter queue is encrypted with the backup key, TLS-only, and alarmed to the alert topic on ALARM and OK', () => {
    jobs.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'pg-backup-primary-storage' }) },
    });
    jobs.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      AlarmActions: [{ 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('AlertsTopic') }) }],
      OKActions: [{ 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('AlertsTopic') }) }],
    });
  });

  test.each(['dump', 'verify'])('a rule tells the alert topic when a %s task stops with a non-zero exit code or fails to start', (job) => {
    const rules = Object.values(jobs.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties.EventPattern).includes(`pg-backup-orders-db-${job}:`),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: [{ 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] }],
        lastStatus: ['STOPPED'],
        taskDefinitionArn: [{ prefix: `arn:aws:ecs:eu-west-1:123456789012:task-definition/pg-backup-orders-db-${job}:` }],
        $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
      },
    });
    const target = rule.Targets[0];
    // By its fixed name: no cross-stack reference, and the rule's role holds the topic key only through SNS.
    expect(target.Arn).toBe('arn:aws:sns:eu-west-1:123456789012:pg-backup-alerts');
    expect(target.RoleArn).toBeDefined();
    expect(target.InputTransformer.InputPathsMap).toMatchObject({
      'detail-containers-0--exitCode': '$.detail.containers[0].exitCode',
      'detail-stopCode': '$.detail.stopCode',
      'detail-stoppedReason': '$.detail.stoppedReason',
    });
    const text = JSON.stringify(target.InputTransformer.InputTemplate);
    expect(text).toContain(`pg-backup ${job} of database orders-db FAILED`);
    expect(text).toContain('Exit code: <detail-containers-0--exitCode>');
    expect(text).toContain('reason: <detail-stoppedReason>');
    expect(text).toContain('log group /pg-backup/jobs/orders-db');
    expect(text).toContain('#logsV2:log-groups/log-group/$252Fpg-backup$252Fjobs$252Forders-db');
    expect(text).toContain(
      `aws ecs run-task --region eu-west-1 --cluster pg-backup-jobs --launch-type FARGATE --task-definition pg-backup-orders-db-${job}`,
    );
  });

  test("EventBridge publishes with a role that may publish to the alert topic only (the storage stack's topic policy is unchanged)", () => {
    const role = Object.entries(jobs.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('FailedTaskAlertRole'))!;
    expect(role[1].Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
    const topicPolicies = built.templates['pg-backup-primary-storage']!.findResources('AWS::SNS::TopicPolicy');
    expect(JSON.stringify(topicPolicies)).not.toContain('events.amazonaws.com');
  });

  test('the new VPC has only private isolated subnets, no NAT or internet gateway, an S3 gateway endpoint and the interface endpoints the tasks need', () => {
    jobs.resourceCountIs('AWS::EC2::VPC', 1);
    jobs.resourceCountIs('AWS::EC2::NatGateway', 0);
    jobs.resourceCountIs('AWS::EC2::InternetGateway', 0);
    for (const subnet of Object.values(jobs.findResources('AWS::EC2::Subnet'))) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    jobs.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('.s3$')])] },
    });
    const interfaces = Object.values(jobs.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).map(
      (e) => e.Properties.ServiceName as string,
    );
    expect(interfaces.sort()).toEqual([
      'com.amazonaws.eu-west-1.ecr.api',
      'com.amazonaws.eu-west-1.ecr.dkr',
      'com.amazonaws.eu-west-1.kms',
      'com.amazonaws.eu-west-1.logs',
      'com.amazonaws.eu-west-1.rds',
      'com.amazonaws.eu-west-1.secretsmanager',
    ]);
    jobs.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  });

  test('task security groups allow no inbound; the database group gets one ingress rule, from the dump tasks only', () => {
    const groups = jobs.findResources('AWS::EC2::SecurityGroup');
    const taskGroups = Object.entries(groups).filter(([id]) => /Dump|Verify/.test(id));
    expect(taskGroups).toHaveLength(2);
    for (const [, group] of taskGroups) expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    // Egress (S3 prefix list, endpoint group, database group) is asserted in egress.test.ts.
    const ingress = Object.values(jobs.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.Properties).toMatchObject({
      GroupId: 'sg-0123456789abcdef0',
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/DumpSecurityGroup/), 'GroupId'] },
    });
    jobs.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      DestinationSecurityGroupId: 'sg-0123456789abcdef0',
      FromPort: 5432,
      ToPort: 5432,
    });
  });

  test('outputs the cluster, task definitions, log group and the exact run-task command per job', () => {
    const outputs = jobs.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ClusterName).toBeDefined();
    expect(outputs.DumpTaskDefinitionOrdersDb).toBeDefined();
    expect(outputs.VerifyTaskDefinitionOrdersDb).toBeDefined();
    expect(outputs.LogGroupOrdersDb).toBeDefined();
    const dumpNow = JSON.stringify(outputs.DumpNowOrdersDb!.Value);
    expect(dumpNow).toContain(
      'aws ecs run-task --region eu-west-1 --cluster pg-backup-jobs --launch-type FARGATE --task-definition pg-backup-orders-db-dump',
    );
    expect(dumpNow).toContain("--network-configuration 'awsvpcConfiguration={subnets=[");
    expect(dumpNow).toContain('assignPublicIp=DISABLED');
    expect(JSON.stringify(outputs.VerifyNowOrdersDb!.Value)).toContain('--task-definition pg-backup-orders-db-verify');
  });

  test('the monitoring stack quotes the run-task command and log group in its alerts', () => {
    const fn = Object.values(built.templates['pg-backup-monitoring']!.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.[FRESHNESS_FUNCTION_ENV.databases],
    )!;
    const databases = JSON.stringify(fn.Properties.Environment.Variables[FRESHNESS_FUNCTION_ENV.databases]);
    expect(databases).toContain('aws ecs run-task --region eu-west-1 --cluster pg-backup-jobs');
    expect(databases).toContain('/pg-backup/jobs/orders-db');
  });
});

describe('an existing VPC, a host database with a secret name, and a monitored-only database', () => {
  let other: ReturnType<typeof synthApp>;
  let template: Template;
  beforeAll(() => {
    other = synthApp(EXISTING_VPC_CONFIG, { monitoring: false });
    template = other.jobsTemplate!;
  });

  test('creates no VPC or endpoints and runs the tasks in the given subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 5 }),
        EcsParameters: Match.objectLike({
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              AssignPublicIp: 'DISABLED',
              SecurityGroups: Match.anyValue(),
              Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
            },
          },
        }),
      }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0aaaabbbbccccdddd' });
  });

  test('only the database with a connection gets tasks: X86_64, its sizes, a source URL without password, the secret by name', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'pg-backup-billing-db-dump',
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    expect(environmentOf(template, 'pg-backup-billing-db-dump')).toMatchObject({
      PG_BACKUP_SOURCE: 'postgresql://billing.internal.example.com:6432/billing',
      PG_BACKUP_SECRET_ARN: 'prod/billing/backup-user',
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'pg-backup-billing-db-verify',
      Cpu: '2048',
      Memory: '8192',
      EphemeralStorage: { SizeInGiB: 50 },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/pg-backup/jobs/billing-db', RetentionInDays: 90 });
  });

  test('the dump may read the named secret (any suffix) and decrypt it with its key through Secrets Manager only; no RDS', () => {
    const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(text).toContain('arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/backup-user-??????');
    expect(text).toContain('"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"');
    expect(text).not.toContain('rds:DescribeDBInstances');
  });

  test('without databaseSecurityGroupId the dump may reach the database port at private addresses only, and no ingress rule is added', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith(
        ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((CidrIp) => Match.objectLike({ FromPort: 6432, ToPort: 6432, CidrIp })),
      ),
    });
  });

  test('a stage whose databases all lack a connection has no jobs stack', () => {
    const monitoredOnly = synthApp({ ...EXISTING_VPC_CONFIG, databases: [{ id: 'legacy-db' }] }, { monitoring: false });
    expect(monitoredOnly.jobs).toBeUndefined();
  });
});
