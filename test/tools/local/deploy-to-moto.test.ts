import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
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
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { dumpTaskEnvironment, verifyTaskEnvironment } from '../../../src/contract/task-environment.js';
import { type DeployedApp, deployAppToMoto, STAND_IN_IMAGE } from '../../../tools/local/deploy-to-moto.js';
import { readDeployedFreshnessFunction } from '../../../tools/local/deployed-function.js';
import { describeDeployedContainer } from '../../../tools/local/deployed-task.js';
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
        'PublishOutputRefAlertsTopicCF7C81C934227F3B',
        'PublishOutputFnGetAttBackupKey1226E6A1Arn9090BDD9',
      ]),
      `${stack.jobs}: removed Custom::VpcRestrictDefaultSG NetworkVpcRestrictDefaultSecurityGroupCustomResource491E144D`,
      `${stack.jobs}: removed AWS::EC2::SecurityGroupIngress DatabaseordersdbDatabaseIngressFromDumpA949B676`,
      `${stack.jobs}: not created AWS::SQS::QueuePolicy x1`,
      `${stack.jobs}: not created AWS::CloudWatch::Alarm x1`,
      `${stack.jobs}: not created AWS::EC2::SecurityGroupEgress x5`, // the tasks' egress to the S3 prefix list, the endpoint group (dump and verify) and the database group (dump)
      `${stack.jobs}: not created AWS::Scheduler::Schedule x2`,
      ...outputs(stack.monitoring, stack.primary, [
        'PublishOutputFnGetAttBackupsBucket2936A3AAArn6713D1E4',
        'PublishOutputFnGetAttBackupKey1226E6A1Arn9090BDD9',
        'PublishOutputRefAlertsTopicCF7C81C934227F3B',
        'PublishOutputFnGetAttOperationsKeyC8E359A5ArnBE93A587',
        'PublishOutputRefBackupsBucket2936A3AA144A6931',
      ]),
      ...outputs(stack.monitoring, stack.jobs, [
        'PublishOutputRefNetworkVpctasksSubnet1Subnet5688850A12F21318',
        'PublishOutputRefNetworkVpctasksSubnet2Subnet9EBC8F943A8E0CB1',
        'PublishOutputFnGetAttDatabaseordersdbDumpSecurityGroup9AA13F0FGroupIdAB6A1F0D',
      ]),
      `${stack.monitoring}: not created AWS::DynamoDB::GlobalTable x1`,
      `${stack.monitoring}: not created AWS::CloudWatch::Alarm x8`, // two of the check, six of orders-db (RTO and point-in-time recovery among them)
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

  test('the task definitions hold the command and the environment the wiring contract builds, and the stand-in image', async () => {
    const families = deployed.taskFamilies['orders-db']!;
    expect(families).toEqual({ dump: `${config.appName}-orders-db-dump`, verify: `${config.appName}-orders-db-verify` });
    const job = { databaseId: 'orders-db', bucket: deployed.primaryBucketName, kmsKeyId: deployed.primaryKeyArn, region: 'eu-west-1' };

    const dump = await describeDeployedContainer({ aws: { endpoint: motoEndpoint() }, region: 'eu-west-1', family: families.dump });
    expect(dump.taskDefinitionArn).toBe(deployed.outputs[stack.jobs]!.DumpTaskDefinitionOrdersDb);
    expect(dump.command).toEqual(['dump']);
    expect(dump.environment).toEqual(
      dumpTaskEnvironment({
        ...job,
        secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
        sslMode: 'verify-full',
        location: { rdsInstance: 'orders-prod', database: 'orders' },
        smokeQueries: ['SELECT count(*) > 0 FROM orders'],
      }),
    );
    const verify = await describeDeployedContainer({ aws: { endpoint: motoEndpoint() }, region: 'eu-west-1', family: families.verify });
    expect(verify.command).toEqual(['verify']);
    expect(verify.environment).toEqual(
      verifyTaskEnvironment({ ...job, workDir: '/tmp', smokeQueries: ['SELECT count(*) > 0 FROM orders'] }),
    );

    const { taskDefinition } = await new ECSClient(aws()).send(new DescribeTaskDefinitionCommand({ taskDefinition: families.dump }));
    expect(taskDefinition?.containerDefinitions?.[0]?.image).toBe(STAND_IN_IMAGE);
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
          dumpNowCommand: deployed.outputs[stack.jobs]!.DumpNowOrdersDb,
          logGroupName: `/${config.appName}/jobs/orders-db`,
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
