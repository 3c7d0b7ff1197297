import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeTaskDefinitionCommand, ECSClient, type RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { runNowCommand } from '../../../lib/jobs/run-task-command.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import {
  dumpRunEnvironment,
  dumpTaskDefinitionEnvironment,
  verifyRunEnvironment,
  verifyTaskDefinitionEnvironment,
} from '../../../src/contract/task-environment.js';
import { type DeployedApp, deployAppToMoto, STAND_IN_IMAGE } from '../../../tools/local/deploy-to-moto.js';
import { readDeployedFreshnessFunction } from '../../../tools/local/deployed-function.js';
import { describeDeployedContainer, describeDeployedSchedule } from '../../../tools/local/deployed-task.js';
import { MOTO_DOES_NOT_CREATE, type MotoRewrite } from '../../../tools/local/moto-template-rewrites.js';
import { inOneAccount } from '../../../tools/local/one-account-stage.js';
import { motoEndpoint, s3Client, uniqueName } from '../../support/services.js';

// The run's moto server (test/support/global-setup.ts): the example stage, under its own appName,
// deployed once with cdklocal (all four stacks), then read back through the AWS APIs.

const config: AppConfig = { ...inOneAccount(example), appName: uniqueName('pgb') };
const stack = {
  replica: `${config.appName}-replica-storage`,
  primary: `${config.appName}-primary-storage`,
  jobs: `${config.appName}-jobs`,
  monitoring: `${config.appName}-monitoring`,
};
let deployed: DeployedApp;

beforeAll(async () => {
  deployed = await deployAppToMoto({ endpoint: motoEndpoint(), config });
}, 240_000);

const aws = (region = 'eu-west-1') => ({ region, endpoint: motoEndpoint() });

/** What the report says, one entry per rewrite, in the order the stacks were deployed. */
function summary(rewrites: readonly MotoRewrite[]): string[] {
  return rewrites.map((r) => {
    switch (r.kind) {
      case 'stack-output':
        return `${r.stack}: output ${r.outputName} of ${r.fromStack}`;
      case 'custom-resource-removed':
      case 'outside-app-removed':
        return `${r.stack}: removed ${r.type} ${r.logicalId}`;
      case 'not-created':
        return `${r.stack}: not created ${r.type} x${r.logicalIds.length}`;
      case 'image-not-built':
        return `${r.stack}: image not built, ${r.image}`;
      case 'created-through-api':
        return `${r.stack}: created through the API ${r.type} ${r.names.join(', ')}`;
      case 'app-option':
        return `all: ${r.option}`;
      default:
        throw new Error(`unknown rewrite ${JSON.stringify(r)}`);
    }
  });
}

describe('deployAppToMoto (the example stage)', () => {
  test('deploys the four stacks one at a time, in dependency order, each CREATE_COMPLETE', async () => {
    expect(deployed.stacks.map((s) => [s.name, s.region])).toEqual([
      [stack.replica, 'eu-central-1'],
      [stack.primary, 'eu-west-1'],
      [stack.jobs, 'eu-west-1'],
      [stack.monitoring, 'eu-west-1'],
    ]);
    for (const { name, region } of deployed.stacks) {
      const { Stacks } = await new CloudFormationClient(aws(region)).send(new DescribeStacksCommand({ StackName: name }));
      expect(Stacks?.[0]?.StackStatus, name).toBe('CREATE_COMPLETE');
    }
  });

  test('the report lists exactly what was rewritten for moto', () => {
    const outputs = (to: string, from: string, names: string[]) => names.map((n) => `${to}: output ${n} of ${from}`);
    expect(summary(deployed.rewrites)).toEqual([
      'all: termination protection off',
      'all: no `app` tags',
      `${stack.jobs}: image not built, ${STAND_IN_IMAGE}`,
      `${stack.replica}: not created AWS::S3::BucketPolicy x3`,
      `${stack.replica}: not created AWS::SNS::TopicPolicy x1`,
      `${stack.replica}: not created AWS::SNS::Subscription x1`,
      `${stack.replica}: not created AWS::CloudTrail::Trail x1`,
      `${stack.primary}: not created AWS::S3::BucketPolicy x3`,
      `${stack.primary}: not created AWS::SNS::TopicPolicy x1`,
      `${stack.primary}: not created AWS::SNS::Subscription x1`,
      `${stack.primary}: not created AWS::CloudWatch::Alarm x2`, // replication failed and latency
      `${stack.primary}: not created AWS::CloudTrail::Trail x1`,
      ...outputs(stack.jobs, stack.primary, [
        'PublishOutputFnGetAttOperationsKeyC8E359A5ArnBE93A587',
        'PublishOutputFnGetAttBackupKey1226E6A1Arn9090BDD9',
        'PublishOutputRefAlertsTopicCF7C81C934227F3B',
      ]),
      `${stack.jobs}: removed Custom::VpcRestrictDefaultSG NetworkVpcRestrictDefaultSecurityGroupCustomResource491E144D`,
      `${stack.jobs}: removed AWS::EC2::SecurityGroupIngress DatabasesDatabaseordersdbDatabaseIngressFromDump16CCF355`,
      `${stack.jobs}: not created AWS::Scheduler::ScheduleGroup x1`,
      `${stack.jobs}: not created AWS::SQS::QueuePolicy x1`,
      `${stack.jobs}: not created AWS::CloudWatch::Alarm x1`,
      // Every egress rule is inside its security group now (moto creates those); the schedules come through the API.
      `${stack.jobs}: not created AWS::Scheduler::Schedule x2`,
      `${stack.jobs}: created through the API AWS::Scheduler::Schedule ${stack.jobs}/orders-db-dump, ${stack.jobs}/orders-db-verify`,
      ...outputs(stack.monitoring, stack.primary, [
        'PublishOutputFnGetAttBackupKey1226E6A1Arn9090BDD9',
        'PublishOutputRefAlertsTopicCF7C81C934227F3B',
        'PublishOutputFnGetAttOperationsKeyC8E359A5ArnBE93A587',
      ]),
      // The monitoring stack names the jobs by fixed names (schedule group and names, log group): no reference to the jobs stack.
      `${stack.monitoring}: not created AWS::DynamoDB::GlobalTable x1`,
      // Two of the check, and orders-db's one (its RTO, point-in-time recovery and replica lag among its conditions).
      `${stack.monitoring}: not created AWS::CloudWatch::Alarm x3`,
    ]);
    // Each replaced cross-stack reference got the value the other stack really output.
    for (const r of deployed.rewrites) if (r.kind === 'stack-output') expect(r.value).toBe(deployed.outputs[r.fromStack]![r.outputName]);
  });

  test('every synthesized resource is either created by moto or named in the report, never both', async () => {
    for (const { name, region } of deployed.stacks) {
      const created: StackResourceSummary[] = [];
      let NextToken: string | undefined;
      do {
        const page = await new CloudFormationClient(aws(region)).send(new ListStackResourcesCommand({ StackName: name, NextToken }));
        created.push(...(page.StackResourceSummaries ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      const createdIds = new Set(created.map((r) => r.LogicalResourceId));
      const reported = new Set(
        deployed.rewrites.flatMap((r) =>
          r.stack !== name
            ? []
            : r.kind === 'not-created'
              ? r.logicalIds
              : r.kind === 'custom-resource-removed' || r.kind === 'outside-app-removed'
                ? [r.logicalId]
                : [],
        ),
      );
      const synthesized = Object.keys(deployed.synthesized[name]!.Resources);
      expect(
        synthesized.filter((id) => !createdIds.has(id)),
        `${name}: resources moto did not create`,
      ).toEqual(synthesized.filter((id) => reported.has(id)));
      for (const id of reported) expect(createdIds.has(id), `${name}: ${id} is reported but exists`).toBe(false);
      for (const r of deployed.rewrites) if (r.kind === 'not-created') expect(Object.keys(MOTO_DOES_NOT_CREATE)).toContain(r.type);
    }
  });

  test("the schedules, created as deployed, send the shared definitions with the database's environment and role; the definitions hold the stage settings and the stand-in image", async () => {
    const group = `${config.appName}-jobs`;
    expect(deployed.schedules).toEqual({
      'orders-db': { dump: { group, name: 'orders-db-dump' }, verify: { group, name: 'orders-db-verify' } },
    });
    const stage = { bucket: deployed.primaryBucketName, kmsKeyId: deployed.primaryKeyArn, region: 'eu-west-1' };
    const access = { aws: { endpoint: motoEndpoint() }, region: 'eu-west-1' };

    const dump = await describeDeployedSchedule({ ...access, schedule: deployed.schedules['orders-db']!.dump });
    expect(dump).toMatchObject({
      Cluster: `${config.appName}-jobs`,
      TaskDefinition: `${config.appName}-dump-cpu2048-mem4096`,
      StartedBy: 'orders-db',
      Group: 'dump',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: [expect.stringMatching(/^subnet-/), expect.stringMatching(/^subnet-/)],
          SecurityGroups: [expect.stringMatching(/^sg-/)],
          AssignPublicIp: 'DISABLED',
        },
      },
      Overrides: { TaskRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//) },
    });
    expect(Object.fromEntries(dump.Overrides.ContainerOverrides[0]!.Environment.map((e) => [e.Name, e.Value]))).toEqual(
      dumpRunEnvironment({
        databaseId: 'orders-db',
        secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
        sslMode: 'verify-full',
        location: { rdsInstance: 'orders-prod', database: 'orders' },
        smokeQueries: ['SELECT count(*) > 0 FROM orders'],
      }),
    );
    const dumpDefinition = await describeDeployedContainer({ ...access, family: dump.TaskDefinition });
    expect(dumpDefinition.command).toEqual(['dump']);
    expect(dumpDefinition.environment).toEqual(dumpTaskDefinitionEnvironment(stage));

    const verify = await describeDeployedSchedule({ ...access, schedule: deployed.schedules['orders-db']!.verify });
    expect(verify.TaskDefinition).toBe(`${config.appName}-verify-cpu4096-mem16384-disk200`);
    expect(Object.fromEntries(verify.Overrides.ContainerOverrides[0]!.Environment.map((e) => [e.Name, e.Value]))).toEqual(
      verifyRunEnvironment({ databaseId: 'orders-db', smokeQueries: ['SELECT count(*) > 0 FROM orders'] }),
    );
    const verifyDefinition = await describeDeployedContainer({ ...access, family: verify.TaskDefinition });
    expect(verifyDefinition.command).toEqual(['verify']);
    expect(verifyDefinition.environment).toEqual(verifyTaskDefinitionEnvironment({ ...stage, workDir: '/tmp' }));

    const { taskDefinition } = await new ECSClient(aws()).send(new DescribeTaskDefinitionCommand({ taskDefinition: dump.TaskDefinition }));
    expect(taskDefinition?.containerDefinitions?.[0]?.image).toBe(STAND_IN_IMAGE);
    expect(taskDefinition?.taskRoleArn).toBeUndefined();
  });

  test("the run-now command turns the schedule's request into exactly that ECS RunTask input, valid for the ECS API model", async () => {
    const command = runNowCommand({ region: 'eu-west-1', scheduleGroup: `${config.appName}-jobs`, scheduleName: 'orders-db-dump' });
    // Its first half, as an operator's shell runs it (AWS CLI and jq): the schedule's Input with ECS's member names.
    const [readSchedule] = command.split(' && ');
    const cwd = mkdtempSync(path.join(tmpdir(), 'run-now-'));
    const env = { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const read = await execa('bash', ['-c', readSchedule!], { reject: false, cwd, env });
    expect(read.stderr).toBe('');
    const input = JSON.parse(readFileSync(path.join(cwd, 'run-task.json'), 'utf8')) as RunTaskCommandInput;
    // botocore's own validation against the ECS API model, as `aws ecs run-task --cli-input-json` applies it: every name and type.
    const validate = await execa(
      'python3',
      [
        '-c',
        'import sys, json, botocore.session, botocore.validate as v; m = botocore.session.get_session().get_service_model("ecs").operation_model("RunTask").input_shape; ' +
          'r = v.ParamValidator().validate(json.load(open(sys.argv[1])), m); print(r.generate_report())',
        path.join(cwd, 'run-task.json'),
      ],
      { reject: false },
    );
    expect(validate.exitCode).toBe(0);
    expect(validate.stdout.trim()).toBe('');
    expect(input).toMatchObject({ cluster: `${config.appName}-jobs`, startedBy: 'orders-db', group: 'dump', enableECSManagedTags: true });
    // The schedule's request, member for member, with ECS's camelCase names. (moto 5.2 cannot start an awsvpc task: its
    // RunTask fails with a 500, its ENI lacking private_dns_name; botocore's validation above is what AWS's CLI checks.)
    const expected = await describeDeployedSchedule({
      aws: { endpoint: motoEndpoint() },
      region: 'eu-west-1',
      schedule: deployed.schedules['orders-db']!.dump,
    });
    const camelCase = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(camelCase)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelCase(v)]))
          : value;
    expect(input).toEqual(camelCase(expected));
    expect(input.overrides?.taskRoleArn).toBe(expected.Overrides.TaskRoleArn);
  });

  test("the freshness function's deployed environment, read by the handler's readConfig, names the deployed bucket, topic and jobs", async () => {
    const fn = await readDeployedFreshnessFunction({
      aws: { endpoint: motoEndpoint() },
      region: 'eu-west-1',
      functionName: deployed.freshnessFunctionName,
    });
    expect(fn.config).toEqual({
      bucket: deployed.primaryBucketName,
      replica: { bucket: deployed.replicaBucketName, region: 'eu-central-1', maxLagSeconds: 3 * 3600 },
      topicArn: deployed.alertTopicArn,
      // The GlobalTable moto does not create: the name CloudFormation would give it, less the random suffix.
      stateTable: `${stack.monitoring}-FreshnessAlertStateACF5A24D`,
      region: 'eu-west-1',
      reminderEverySeconds: 6 * 3600,
      functionLogGroupName: expect.stringMatching(new RegExp(`^${stack.monitoring}-FreshnessLogs`)),
      databases: [
        {
          id: 'orders-db',
          limits: DEFAULT_LIMITS,
          dumpNowCommand: runNowCommand({ region: 'eu-west-1', scheduleGroup: `${config.appName}-jobs`, scheduleName: 'orders-db-dump' }),
          logGroupName: `/${config.appName}/jobs`,
          // The stage's defaults: a daily dump's RPO (26 h, also the limit above), an RTO of 4 h, its RDS instance watched.
          targets: { rpoSeconds: 26 * 3600, rtoSeconds: 4 * 3600 },
          pointInTimeRecovery: { rdsInstance: 'orders-prod', minRetentionDays: 7, maxLagSeconds: 900 },
        },
      ],
    });
    expect(fn.runtimeEnvironment).toEqual({ AWS_REGION: 'eu-west-1' });
  });

  test("moto's CloudFormation makes the keys with rotation and aliases, the completion the rest of the buckets' settings", async () => {
    for (const [region, keyArn] of [
      ['eu-west-1', deployed.primaryKeyArn],
      ['eu-central-1', deployed.replicaKeyArn],
    ] as const) {
      const kms = new KMSClient(aws(region));
      expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn }))).KeyRotationEnabled).toBe(true);
      const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases ?? [];
      expect(aliases).toContainEqual(
        expect.objectContaining({ AliasName: `alias/${config.appName}-backups`, TargetKeyId: keyArn.split('/').pop() }),
      );
    }

    const s3 = s3Client('eu-west-1');
    const Bucket = deployed.primaryBucketName;
    expect(Bucket).toBe(`${config.appName}-backups-123456789012-eu-west-1`);
    expect(deployed.completed[Bucket]).toEqual([
      'versioning',
      'bucketKey',
      'objectLock',
      'lifecycle',
      'publicAccessBlock',
      'policy',
      'logBucketPolicy',
      'logging',
      'replication',
    ]);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: deployed.primaryKeyArn },
      BucketKeyEnabled: true,
    });
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration).toMatchObject({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
    });
    const lifecycle = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.[0];
    expect(lifecycle).toMatchObject({
      ID: 'tier-and-expire-backups',
      Status: 'Enabled',
      Transitions: [
        { Days: 30, StorageClass: 'STANDARD_IA' },
        { Days: 90, StorageClass: 'GLACIER' },
      ],
      Expiration: { Days: 400 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toMatchObject({ TargetPrefix: `${Bucket}/` });

    const replication = (await s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration;
    expect(replication?.Role).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(replication?.Rules?.[0]).toMatchObject({
      ID: 'replicate-all-to-replica-region',
      Status: 'Enabled',
      DeleteMarkerReplication: { Status: 'Disabled' },
      // moto 5.2 does not echo SourceSelectionCriteria; the template test asserts it.
      Destination: {
        Bucket: `arn:aws:s3:::${deployed.replicaBucketName}`,
        EncryptionConfiguration: { ReplicaKmsKeyID: `arn:aws:kms:eu-central-1:123456789012:alias/${config.appName}-backups` },
      },
    });

    const replica = s3Client('eu-central-1');
    expect(deployed.replicaBucketName).toBe(`${config.appName}-backups-123456789012-eu-central-1`);
    expect((await replica.send(new GetBucketVersioningCommand({ Bucket: deployed.replicaBucketName }))).Status).toBe('Enabled');
    expect(
      (await replica.send(new GetObjectLockConfigurationCommand({ Bucket: deployed.replicaBucketName }))).ObjectLockConfiguration?.Rule,
    ).toMatchObject({ DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } });
    await expect(replica.send(new GetBucketReplicationCommand({ Bucket: deployed.replicaBucketName }))).rejects.toThrow(
      /replication configuration was not found/i,
    );
  });
});
