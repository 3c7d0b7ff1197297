import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE, EXISTING_VPC_CONFIG, environmentMap, schedulesOf, synthApp, taskDefinitionOf } from './jobs-app.js';

// GIVEN the example stage (orders-db on RDS, a new VPC); WHEN the whole app is synthesized once.
let built: ReturnType<typeof synthApp>;
let jobs: Template;
beforeAll(() => {
  built = synthApp(EXAMPLE);
  jobs = built.jobsTemplate!;
});

const DUMP_FAMILY = 'pg-backup-dump-cpu2048-mem4096';
const VERIFY_FAMILY = 'pg-backup-verify-cpu4096-mem16384-disk200';

describe('the jobs stack of the example stage', () => {
  test('is pg-backup-jobs in the primary region, after the primary storage, and the only jobs stack', () => {
    expect(built.jobs!.stackName).toBe('pg-backup-jobs');
    expect(built.jobs!.region).toBe('eu-west-1');
    expect(built.jobs!.dependencies.map((s) => s.stackName)).toContain('pg-backup-primary-storage');
    expect(built.jobsShards).toEqual([]);
  });

  test('has one cluster with Container Insights', () => {
    jobs.resourceCountIs('AWS::ECS::Cluster', 1);
    jobs.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'pg-backup-jobs',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('a shared dump task definition per size: ARM64, 2 vCPU / 4 GiB, `pg-backup dump`, the stage settings only, no task role', () => {
    const { properties, container } = taskDefinitionOf(jobs, DUMP_FAMILY);
    expect(properties).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    // No task role: each run brings its database's role as an override; a run without one has no credentials.
    expect(properties.TaskRoleArn).toBeUndefined();
    expect(container).toMatchObject({
      Name: 'pg-backup',
      Command: ['dump'],
      LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-stream-prefix': 'dump', 'awslogs-region': 'eu-west-1' } },
    });
    expect(container.Environment).toEqual([
      { Name: 'PG_BACKUP_BUCKET', Value: 'pg-backup-backups-123456789012-eu-west-1' },
      {
        Name: 'PG_BACKUP_KMS_KEY_ID',
        Value: {
          'Fn::GetStackOutput': expect.objectContaining({
            StackName: 'pg-backup-primary-storage',
            OutputName: expect.stringMatching(/BackupKey.*Arn/),
          }),
        },
      },
      { Name: 'AWS_REGION', Value: 'eu-west-1' },
    ]);
  });

  test('a shared verify task definition: 4 vCPU / 16 GiB / 200 GiB ephemeral storage, the work dir; nothing of one database', () => {
    const { properties, container } = taskDefinitionOf(jobs, VERIFY_FAMILY);
    expect(properties).toMatchObject({ Cpu: '4096', Memory: '16384', EphemeralStorage: { SizeInGiB: 200 } });
    expect(properties.TaskRoleArn).toBeUndefined();
    expect(container.Command).toEqual(['verify']);
    expect(environmentMap(container.Environment)).toEqual({
      PG_BACKUP_BUCKET: 'pg-backup-backups-123456789012-eu-west-1',
      PG_BACKUP_KMS_KEY_ID: '<resolved at deploy>',
      AWS_REGION: 'eu-west-1',
      PG_BACKUP_WORK_DIR: '/tmp',
    });
  });

  test('every task definition shares one execution role and one image asset of the repository Dockerfile, built for ARM64', () => {
    const definitions = Object.values(jobs.findResources('AWS::ECS::TaskDefinition'));
    expect(new Set(definitions.map((d) => JSON.stringify(d.Properties.ExecutionRoleArn))).size).toBe(1);
    expect(new Set(definitions.map((d) => JSON.stringify(d.Properties.ContainerDefinitions[0].Image))).size).toBe(1);
    const assets = JSON.parse(readFileSync(path.join(built.assembly.directory, 'pg-backup-jobs.assets.json'), 'utf8'));
    const docker = Object.values(assets.dockerImages) as { source: { directory: string; platform: string } }[];
    expect(docker).toHaveLength(1);
    expect(docker[0]!.source.platform).toBe('linux/arm64');
    // The staged build context is the repository root: its Dockerfile, without node_modules (.dockerignore).
    const context = path.join(built.assembly.directory, docker[0]!.source.directory);
    expect(readFileSync(path.join(context, 'Dockerfile'), 'utf8')).toContain('ENTRYPOINT ["pg-backup"]');
    expect(existsSync(path.join(context, 'node_modules'))).toBe(false);
  });

  test('one log group for every job, /pg-backup/jobs, encrypted with the operations key, kept 365 days and retained', () => {
    jobs.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: '/pg-backup/jobs',
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
    ['dump', 'cron(41 2 * * ? *)', DUMP_FAMILY],
    ['verify', 'cron(41 6 * * ? *)', VERIFY_FAMILY],
  ])(
    "schedules the %s daily (%s UTC: the cron plus orders-db's start offset) through Scheduler's universal RunTask target, with retries and the dead-letter queue",
    (job, expression, family) => {
      const schedule = schedulesOf(jobs).get(`orders-db-${job}`)!;
      expect(schedule.properties).toMatchObject({
        GroupName: 'pg-backup-jobs',
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: 'arn:aws:scheduler:::aws-sdk:ecs:runTask',
          RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^DatabasesSchedulerRole/), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ScheduleDeadLetters/), 'Arn'] } },
        },
      });
      expect(schedule.request).toMatchObject({
        Cluster: 'pg-backup-jobs',
        TaskDefinition: family,
        LaunchType: 'FARGATE',
        Count: 1,
        StartedBy: 'orders-db',
        Group: job,
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            AssignPublicIp: 'DISABLED',
            Subnets: [expect.stringMatching(/^Ref:NetworkVpctasksSubnet1/), expect.stringMatching(/^Ref:NetworkVpctasksSubnet2/)],
            SecurityGroups: [
              expect.stringMatching(job === 'dump' ? /ordersdbDumpSecurityGroup.*\.GroupId$/ : /^GetAtt:VerifySecurityGroup.*\.GroupId$/),
            ],
          },
        },
        Overrides: {
          TaskRoleArn: expect.stringMatching(
            new RegExp(`^GetAtt:DatabasesDatabaseordersdb${job === 'dump' ? 'Dump' : 'Verify'}Role.*\\.Arn$`),
          ),
          ContainerOverrides: [{ Name: 'pg-backup', Environment: expect.any(Array) }],
        },
        Tags: [
          { Key: 'pg-backup:database', Value: 'orders-db' },
          { Key: 'pg-backup:job', Value: job },
        ],
        PropagateTags: 'TASK_DEFINITION',
        EnableECSManagedTags: true,
      });
      expect(schedule.request.VolumeConfigurations).toBeUndefined();
    },
  );

  test("the dump's overrides carry the database's settings and its secret's ARN, never a value", () => {
    const { request } = schedulesOf(jobs).get('orders-db-dump')!;
    expect(environmentMap(request.Overrides.ContainerOverrides[0]!.Environment)).toEqual({
      PG_BACKUP_DB_ID: 'orders-db',
      PG_BACKUP_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
      PGSSLMODE: 'verify-full',
      PG_BACKUP_RDS_INSTANCE: 'orders-prod',
      PG_BACKUP_DATABASE: 'orders',
      // kept in each manifest, so a restore runs them on its target
      PG_BACKUP_SMOKE_QUERIES: '["SELECT count(*) > 0 FROM orders"]',
    });
    const verify = schedulesOf(jobs).get('orders-db-verify')!.request;
    expect(environmentMap(verify.Overrides.ContainerOverrides[0]!.Environment)).toEqual({
      PG_BACKUP_DB_ID: 'orders-db',
      PG_BACKUP_SMOKE_QUERIES: '["SELECT count(*) > 0 FROM orders"]',
    });
  });

  test('the dead-letter queue is encrypted with the operations key, TLS-only, and alarmed to the alert topic on ALARM and OK', () => {
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

  test('one rule for the whole cluster tells the alert topic when any task stops with a non-zero exit code or fails to start, naming database and job', () => {
    const rules = Object.values(jobs.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: [{ 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] }],
        lastStatus: ['STOPPED'],
        $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
      },
    });
    const target = rule.Targets[0];
    // By its fixed name: no cross-stack reference, and the rule's role holds the topic key only through SNS.
    expect(target.Arn).toBe('arn:aws:sns:eu-west-1:123456789012:pg-backup-alerts');
    expect(target.RoleArn).toBeDefined();
    expect(target.InputTransformer.InputPathsMap).toMatchObject({
      'detail-startedBy': '$.detail.startedBy',
      'detail-group': '$.detail.group',
      'detail-containers-0--exitCode': '$.detail.containers[0].exitCode',
      'detail-stoppedReason': '$.detail.stoppedReason',
    });
    const text = JSON.stringify(target.InputTransformer.InputTemplate);
    // The schedules set startedBy to the database's id and group to the job, so the message names both.
    expect(text).toContain('pg-backup <detail-group> of database <detail-startedBy> FAILED in eu-west-1');
    expect(text).toContain('log group /pg-backup/jobs, stream <detail-group>/pg-backup/TASK_ID');
    expect(text).toContain('#logsV2:log-groups/log-group/$252Fpg-backup$252Fjobs');
    expect(text).toContain('aws ecs list-tasks --region eu-west-1 --cluster pg-backup-jobs --started-by <detail-startedBy>');
    expect(text).toContain(
      'aws scheduler get-schedule --region eu-west-1 --group-name pg-backup-jobs --name <detail-startedBy>-<detail-group> --query Target.Input',
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

  test("a dump group per database (its own database port), one verify group shared; no inbound; one ingress rule on the database's group", () => {
    const groups = jobs.findResources('AWS::EC2::SecurityGroup');
    const taskGroups = Object.entries(groups).filter(([id]) => /Dump|Verify/.test(id));
    expect(taskGroups.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'DatabasesDatabaseordersdbDumpSecurityGroup',
      'VerifySecurityGroup',
    ]);
    for (const [, group] of taskGroups) expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    // Egress (S3 prefix list, endpoint group, database group) is asserted in egress.test.ts; every rule is inside its group.
    jobs.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    const ingress = Object.values(jobs.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.Properties).toMatchObject({
      GroupId: 'sg-0123456789abcdef0',
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/DumpSecurityGroup/), 'GroupId'] },
    });
  });

  test('outputs the cluster, the schedule group, the log group and the run-now command template; nothing per database', () => {
    const outputs = jobs.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(
      Object.keys(outputs)
        .filter((name) => !name.startsWith('PublishOutput') && !name.startsWith('ExportsOutput'))
        .sort(),
    ).toEqual(['ClusterName', 'JobsLogGroup', 'RunNowCommand', 'ScheduleDeadLetterQueueUrl', 'ScheduleGroupName']);
    expect(outputs.ScheduleGroupName!.Value).toBe('pg-backup-jobs');
    expect(outputs.RunNowCommand!.Value).toBe(
      'aws scheduler get-schedule --region eu-west-1 --group-name pg-backup-jobs --name <database-id>-<dump|verify> --query Target.Input --output text | ' +
        `jq 'walk(if type == "object" then with_entries(.key |= (.[:1] | ascii_downcase) + .[1:]) else . end)' > run-task.json && ` +
        'aws ecs run-task --region eu-west-1 --cli-input-json file://run-task.json',
    );
  });

  test('no large database: no infrastructure role, no volume', () => {
    expect(JSON.stringify(jobs.toJSON())).not.toContain('ecs.amazonaws.com"');
    for (const definition of Object.values(jobs.findResources('AWS::ECS::TaskDefinition'))) {
      expect(definition.Properties.Volumes).toEqual([{ Name: 'work' }]);
    }
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
    const schedule = schedulesOf(template).get('billing-db-dump')!;
    // 01:30 Berlin plus billing-db's start offset of 49 minutes.
    expect(schedule.properties).toMatchObject({
      ScheduleExpression: 'cron(19 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: { RetryPolicy: { MaximumRetryAttempts: 5 } },
    });
    expect(schedule.request.NetworkConfiguration.AwsvpcConfiguration).toEqual({
      AssignPublicIp: 'DISABLED',
      SecurityGroups: [expect.stringMatching(/^GetAtt:/)],
      Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0aaaabbbbccccdddd' });
  });

  test('only the database with a connection gets schedules: X86_64 definitions of its sizes, a source URL without password, the secret by name', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    expect(taskDefinitionOf(template, 'pg-backup-dump-cpu1024-mem2048').properties).toMatchObject({
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    expect(taskDefinitionOf(template, 'pg-backup-verify-cpu2048-mem8192-disk50').properties).toMatchObject({
      Cpu: '2048',
      Memory: '8192',
      EphemeralStorage: { SizeInGiB: 50 },
    });
    const dump = schedulesOf(template).get('billing-db-dump')!.request;
    expect(environmentMap(dump.Overrides.ContainerOverrides[0]!.Environment)).toMatchObject({
      PG_BACKUP_SOURCE: 'postgresql://billing.internal.example.com:6432/billing',
      PG_BACKUP_SECRET_ARN: 'prod/billing/backup-user',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/pg-backup/jobs', RetentionInDays: 90 });
  });

  test('the dump may read the named secret (any suffix) and decrypt it with its key through Secrets Manager only; no RDS', () => {
    const text = JSON.stringify(template.findResources('AWS::IAM::Role'));
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
