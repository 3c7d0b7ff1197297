import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { execa } from 'execa';
import pg from 'pg';
import { readConfig } from '../../lambda/freshness/config.js';
import { runFreshnessCheck } from '../../lambda/freshness/run-check.js';
import { restorerRoleName, viewerRoleName } from '../../lib/config/access-config.js';
import { PROJECT_ROOT } from '../../lib/pg-backup-app.js';
import { FRESHNESS_FUNCTION_ENV } from '../../src/contract/freshness/function-environment.js';
import { TASK_ENV } from '../../src/contract/task-environment.js';
import { archiveBackupInMoto } from '../local/archive-in-moto.js';
import { lifecycleRule } from '../local/moto-bucket-settings.js';
import type { AuthorizationModel, StageResource } from './authorization-model.js';
import { operatorRole } from './operator-edges.js';
import { type RecordedRequest, startRecordingProxy } from './recording-proxy.js';

/** A PostgreSQL server the scenarios dump from and restore into. */
export interface ScenarioPostgres {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly password: string;
}

/** Who signs a scenario's calls: a role of the stage, or an operator (credentials the stage does not define). */
export interface Actor {
  readonly label: string;
  /** The role the scenario stands for on AWS; undefined for an operator's own credentials. */
  readonly roleArn?: string;
}

/** One run of real code against the emulator, and what it is expected to do. */
export interface ScenarioRun {
  readonly name: string;
  readonly actor: Actor;
  readonly exitCode: number;
  readonly output: string;
}

export interface RecordedCodeEdges {
  readonly runs: readonly ScenarioRun[];
  readonly requests: readonly RecordedRequest[];
  /** Access key id -> actor. */
  readonly actors: ReadonlyMap<string, Actor>;
}

const BIN = join(PROJECT_ROOT, 'bin/pg-backup.js');
const SOURCE_DATABASE = 'billing';

/**
 * Runs the CLI (dump, verify, list, status, restore, download) and the freshness check against moto through a
 * recording proxy, each signed as the role it runs as on AWS: the tasks with the environment the synthesized task
 * definitions and function give them, the people as the viewer and restorer roles the stage defines. Only what this machine must provide differs: the AWS endpoint and
 * dummy credentials, and the database address (the stage names hosts that do not exist here).
 */
export async function recordCodeEdges(options: {
  readonly model: AuthorizationModel;
  readonly appName: string;
  readonly motoEndpoint: string;
  readonly postgres: ScenarioPostgres;
}): Promise<RecordedCodeEdges> {
  const { model, appName, postgres } = options;
  const proxy = await startRecordingProxy(options.motoEndpoint);
  const actors = new Map<string, Actor>();
  const runs: ScenarioRun[] = [];
  try {
    void appName;
    const actorOf = (label: string, roleArn?: string): Actor => {
      const actor = { label, ...(roleArn ? { roleArn } : {}) };
      actors.set(label, actor);
      return actor;
    };
    const freshnessFunction = model
      .ofType('AWS::Lambda::Function')
      .find((f) => f.properties.Environment?.Variables?.[FRESHNESS_FUNCTION_ENV.bucket]);
    if (!freshnessFunction) throw new Error('no freshness function in the stage');
    const region = freshnessFunction.stack.region;
    const functionEnvironment = freshnessFunction.properties.Environment.Variables as Record<string, string>;

    await prepareEmulator(options.motoEndpoint, region, model, functionEnvironment, postgres);
    await createSourceDatabase(postgres);

    const aws = { AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: region, AWS_SECRET_ACCESS_KEY: 'recorded' };
    const cli = async (name: string, actor: Actor, args: string[], environment: Record<string, string>) => {
      const result = await execa('node', [BIN, ...args], {
        reject: false,
        extendEnv: false,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          ...pgBinDir(),
          ...environment,
          ...aws,
          AWS_ACCESS_KEY_ID: actor.label,
          [TASK_ENV.logFormat]: 'json',
        },
        timeout: 180_000,
      });
      runs.push({ name, actor, exitCode: result.exitCode ?? -1, output: `${result.stdout}\n${result.stderr}`.trim() });
    };
    // As the schedule runs it: the shared definition's command, its environment with the schedule's overrides, the override's role.
    const task = (databaseId: string, job: 'dump' | 'verify') => {
      const run = model.run(databaseId, job);
      return { command: [...run.command], environment: { ...run.environment }, roleArn: run.taskRoleArn };
    };
    // This machine's database instead of the stage's host (and no TLS on it): the only change to a task's environment.
    const localDatabase = { [TASK_ENV.source]: `postgresql://${postgres.host}:${postgres.port}/${SOURCE_DATABASE}`, PGSSLMODE: 'disable' };

    const freshness = actorOf('freshness-check', freshnessFunction.properties.Role as string);
    const runFreshness = async (name: string) => {
      const common = { region, endpoint: proxy.endpoint, credentials: { accessKeyId: freshness.label, secretAccessKey: 'recorded' } };
      const s3 = new S3Client({ ...common, forcePathStyle: true });
      try {
        const config = await readConfig(new SSMClient(common), { ...functionEnvironment, AWS_REGION: region });
        const replicaS3 = config.replica && new S3Client({ ...common, region: config.replica.region, forcePathStyle: true });
        await runFreshnessCheck(config, {
          s3,
          ...(replicaS3 ? { replicaS3 } : {}),
          cloudwatch: new CloudWatchClient(common),
          sns: new SNSClient(common),
          dynamodb: new DynamoDBClient(common),
          // The example's RDS database has its point-in-time recovery watched: DescribeDBInstances on orders-prod.
          rds: new RDSClient(common),
        });
        runs.push({ name, actor: freshness, exitCode: 0, output: '' });
      } catch (error) {
        runs.push({ name, actor: freshness, exitCode: 1, output: (error as Error).message });
      }
    };

    await runFreshness('freshness check before any backup');
    const billingDump = task('billing-db', 'dump');
    const billingVerify = task('billing-db', 'verify');
    const ordersDump = task('orders-db', 'dump');
    const dumpActor = actorOf('dump-task-billing-db', billingDump.roleArn);
    await cli('dump billing-db (first backup)', dumpActor, billingDump.command, { ...billingDump.environment, ...localDatabase });
    await cli('dump billing-db (second backup)', dumpActor, billingDump.command, { ...billingDump.environment, ...localDatabase });
    await cli(
      'verify billing-db',
      actorOf('verify-task-billing-db', billingVerify.roleArn),
      billingVerify.command,
      billingVerify.environment,
    );
    // The RDS path: the secret and DescribeDBInstances; the emulator's endpoint is no real server, so the dump stops there.
    await cli(
      'dump orders-db (RDS: stops at the connection)',
      actorOf('dump-task-orders-db', ordersDump.roleArn),
      ordersDump.command,
      ordersDump.environment,
    );
    await runFreshness('freshness check after the backups');

    // The people: the viewer lists and checks; the restorer of billing-db lists, restores (into an empty database, then
    // over it with a safety dump), downloads, and verifies and restores a backup the lifecycle archived.
    const bucket = billingDump.environment[TASK_ENV.bucket]!;
    const viewer = actorOf('viewer', operatorRole(model, viewerRoleName(appName)).arn);
    await cli('list billing-db as the viewer', viewer, ['list', '--bucket', bucket, '--db-id', 'billing-db'], {});
    await cli('status as the viewer', viewer, ['status', '--bucket', bucket], {});
    const restorer = actorOf('restorer-billing-oncall', operatorRole(model, restorerRoleName(appName, 'billing-oncall')).arn);
    const asRestorer = { PGPASSWORD: postgres.password };
    const restoredUrl = `postgresql://${postgres.superuser}@${postgres.host}:${postgres.port}/billing_restored`;
    await createEmptyDatabase(postgres, 'billing_restored');
    await cli('list billing-db as the restorer', restorer, ['list', '--bucket', bucket, '--db-id', 'billing-db'], {});
    await cli(
      'restore billing-db into an empty database as the restorer',
      restorer,
      ['restore', '--bucket', bucket, '--db-id', 'billing-db', '--yes', '--target', restoredUrl],
      asRestorer,
    );
    await cli(
      'restore billing-db over it (--replace: a safety dump first) as the restorer',
      restorer,
      ['restore', '--bucket', bucket, '--db-id', 'billing-db', '--yes', '--replace', '--target', restoredUrl],
      asRestorer,
    );
    const downloaded = join(mkdtempSync(join(tmpdir(), 'pg-backup-access-')), 'billing.pgdump');
    await cli(
      'download billing-db as the restorer',
      restorer,
      ['download', '--bucket', bucket, '--db-id', 'billing-db', '--output', downloaded],
      {},
    );
    const oldest = (await listBackupIdsInEmulator(options.motoEndpoint, region, bucket, 'billing-db')).at(-1)!;
    await archiveBackupInMoto(emulatorS3(options.motoEndpoint, region), bucket, 'billing-db', oldest, 'GLACIER');
    await cli(
      'verify an archived billing-db backup as the restorer (--wait)',
      restorer,
      ['verify', '--bucket', bucket, '--db-id', 'billing-db', '--backup', oldest, '--wait', '--poll-seconds', '1'],
      {},
    );
    await cli(
      'restore the archived backup as the restorer (--wait)',
      restorer,
      [
        'restore',
        '--bucket',
        bucket,
        '--db-id',
        'billing-db',
        '--backup',
        oldest,
        '--yes',
        '--replace',
        '--wait',
        '--poll-seconds',
        '1',
        '--target',
        restoredUrl,
      ],
      asRestorer,
    );
    return { runs, requests: [...proxy.requests], actors };
  } finally {
    await proxy.stop();
  }
}

function pgBinDir(): Record<string, string> {
  return process.env.PG_BIN_DIR ? { PG_BIN_DIR: process.env.PG_BIN_DIR } : {};
}

/** The ARN of the key a synthesized bucket encrypts with by default. */
function bucketDefaultKey(model: AuthorizationModel, bucket: string): string | undefined {
  const synthesized = model.ofType('AWS::S3::Bucket').find((b) => b.ref === bucket);
  const key = synthesized?.properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault
    ?.KMSMasterKeyID as string | undefined;
  return key ? (model.find(key)?.arn ?? key) : undefined;
}

function emulatorS3(endpoint: string, region: string): S3Client {
  return new S3Client({ region, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' } });
}

/** The backup ids of a database, newest first, read straight from the emulator (not a recorded call). */
async function listBackupIdsInEmulator(endpoint: string, region: string, bucket: string, databaseId: string): Promise<string[]> {
  const listed = await emulatorS3(endpoint, region).send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: `databases/${databaseId}/backups/`, Delimiter: '/' }),
  );
  return (listed.CommonPrefixes ?? [])
    .map((p) => p.Prefix!.split('/').at(-2)!)
    .sort()
    .reverse();
}

/** What the stacks would have created: the bucket (with its lifecycle rules), the secrets, the RDS instance, the topic, the alert-state table, the database list. */
async function prepareEmulator(
  endpoint: string,
  region: string,
  model: AuthorizationModel,
  functionEnvironment: Record<string, string>,
  postgres: ScenarioPostgres,
) {
  const common = { region, endpoint, credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' } };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const bucket = functionEnvironment[FRESHNESS_FUNCTION_ENV.bucket]!;
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: region as never },
      ObjectLockEnabledForBucket: true,
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  // The default encryption (the key restore names in its writes, as the bucket policy demands) and the synthesized
  // lifecycle rules, which `list` reads to say when each backup expires.
  const keyArn = bucketDefaultKey(model, bucket);
  if (keyArn) {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }],
        },
      }),
    );
  }
  const synthesized = model.ofType('AWS::S3::Bucket').find((b) => b.ref === bucket);
  const rules = synthesized?.properties.LifecycleConfiguration?.Rules as Record<string, unknown>[] | undefined;
  if (rules) {
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules.map(lifecycleRule) } }),
    );
  }

  // The replica bucket the check compares with (the vault's, in its region): replication does not run on the
  // emulator, so the check finds the copies missing, which is the listing whose permission the proof needs.
  const replicaBucket = functionEnvironment[FRESHNESS_FUNCTION_ENV.replicaBucket];
  if (replicaBucket) {
    const replicaRegion = functionEnvironment[FRESHNESS_FUNCTION_ENV.replicaRegion]!;
    const replicaS3 = new S3Client({ ...common, region: replicaRegion, forcePathStyle: true });
    await replicaS3.send(
      new CreateBucketCommand({ Bucket: replicaBucket, CreateBucketConfiguration: { LocationConstraint: replicaRegion as never } }),
    );
  }

  const secrets = new SecretsManagerClient(common);
  const login = JSON.stringify({ username: postgres.superuser, password: postgres.password });
  for (const run of model.runs) {
    const secret = run.environment[TASK_ENV.secretArn];
    // A secret named by full ARN is created under its name with the suffix: the emulator matches it as a partial ARN.
    if (secret)
      await secrets.send(
        new CreateSecretCommand({ Name: secret.startsWith('arn:') ? secret.split(':secret:')[1] : secret, SecretString: login }),
      );
  }
  const rds = new RDSClient(common);
  for (const run of model.runs) {
    const instance = run.environment[TASK_ENV.rdsInstance];
    if (instance) {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: instance,
          Engine: 'postgres',
          DBInstanceClass: 'db.t4g.micro',
          AllocatedStorage: 20,
          MasterUsername: 'postgres',
          MasterUserPassword: 'not-used-1',
        }),
      );
    }
  }
  const ssm = new SSMClient(common);
  for (const parameter of model.ofType('AWS::SSM::Parameter')) {
    await ssm.send(new PutParameterCommand({ Name: parameter.properties.Name, Value: parameter.properties.Value, Type: 'String' }));
  }
  const topic = model.ofType('AWS::SNS::Topic').find((t) => t.arn === functionEnvironment.ALERT_TOPIC_ARN) as StageResource;
  await new SNSClient(common).send(new CreateTopicCommand({ Name: topic.properties.TopicName as string }));
  await new DynamoDBClient(common).send(
    new CreateTableCommand({
      TableName: functionEnvironment.ALERT_STATE_TABLE,
      KeySchema: [{ AttributeName: 'databaseId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'databaseId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function admin<T>(postgres: ScenarioPostgres, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    user: postgres.superuser,
    password: postgres.password,
    database,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createEmptyDatabase(postgres: ScenarioPostgres, name: string) {
  await admin(postgres, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${name}`).then(() => c.query(`CREATE DATABASE ${name}`)));
}

async function createSourceDatabase(postgres: ScenarioPostgres) {
  await createEmptyDatabase(postgres, SOURCE_DATABASE);
  await admin(postgres, SOURCE_DATABASE, (c) =>
    c.query(`
      CREATE TABLE invoices (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12, 2) NOT NULL);
      INSERT INTO invoices SELECT g, 'customer ' || g, g * 1.5 FROM generate_series(1, 500) g;
      CREATE TABLE payments (id bigint PRIMARY KEY, invoice_id bigint REFERENCES invoices, paid_at timestamptz NOT NULL);
      INSERT INTO payments SELECT g, g, now() FROM generate_series(1, 200) g;`),
  );
}
