import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { runFreshnessCheck } from '../../lambda/freshness/run-check.js';
import { readVerification, resolveBackup } from '../../src/backup/backup-catalog.js';
import { runRestore } from '../../src/backup/restore.js';
import { checkDatabases } from '../../src/contract/freshness/check.js';
import type { FreshnessConfig } from '../../src/contract/freshness/function-environment.js';
import { DEFAULT_LIMITS } from '../../src/contract/freshness/limits.js';
import type { BackupManifest, VerificationRecord } from '../../src/contract/manifest.js';
import { startThrowawayCluster } from '../../src/postgres/throwaway-cluster.js';
import type { Reporter } from '../../src/reporting/reporter.js';
import { type DatabaseFingerprint, fingerprintDatabase, fingerprintDifferences } from '../local/database-fingerprint.js';
import { type DeployedApp, deployAppToMoto } from '../local/deploy-to-moto.js';
import { readDeployedFreshnessFunction } from '../local/deployed-function.js';
import { type DeployedTaskRun, runDeployedTask } from '../local/deployed-task.js';
import { startMotoServer } from '../local/moto-server.js';
import { describeRewrites } from '../local/moto-template-rewrites.js';
import { generateSampleDatabase } from '../local/sample-database.js';
import { simulateDisaster } from './disaster.js';
import { DRILL_DATABASE_ID, drillConfig } from './drill-config.js';
import type { DrillReport, DrillStep, DrillTaskRun } from './drill-report.js';

export interface DrillOptions {
  /** Size of the generated sample database in MB. */
  readonly sizeMegabytes: number;
  /** Where to write the JSON report. */
  readonly reportFile: string;
  readonly reporter: Reporter;
  /** Aborted on Ctrl-C: the drill stops between steps and cleans up. */
  readonly signal?: AbortSignal;
}

const REGION = 'eu-west-1';
const HOURS = 3600_000;

/**
 * The whole product on one machine: a throwaway PostgreSQL with a generated database and a moto
 * server; the credentials in a Secrets Manager secret; all four CDK stacks deployed there with
 * cdklocal (every change made for the emulator reported); dump and verify run from their deployed
 * task definitions, status, and the freshness check with the deployed function's environment; a
 * disaster (a dropped table, a corrupted one); a restore; and the proof that the restored data
 * equals the data at dump time. Everything it started is stopped.
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const { reporter } = options;
  const startedAt = new Date();
  const steps: DrillStep[] = [];
  const report: { -readonly [K in keyof DrillReport]?: DrillReport[K] } = {};
  const cleanups: (() => Promise<void>)[] = [];

  /** Runs one step, records it, and stops the drill at the first failure. */
  const step = async <T>(name: string, work: () => Promise<T>, detail?: (result: T) => string): Promise<T> => {
    if (options.signal?.aborted) throw new Error('interrupted');
    reporter.event(`drill: ${name}`);
    const started = Date.now();
    try {
      const result = await work();
      steps.push({ name, ok: true, seconds: (Date.now() - started) / 1000, ...(detail ? { detail: detail(result) } : {}) });
      return result;
    } catch (error) {
      steps.push({ name, ok: false, seconds: (Date.now() - started) / 1000, detail: (error as Error).message.split('\n')[0] });
      throw error;
    }
  };

  try {
    const cluster = await step(
      'start a throwaway PostgreSQL',
      // A password, so the dump task must read it from the secret its task definition names.
      () => startThrowawayCluster({ fast: true, superuserPassword: randomBytes(12).toString('hex') }),
      (c) => `127.0.0.1:${c.port}`,
    );
    cleanups.push(() => cluster.stop());
    const moto = await step(
      'start the moto AWS emulator',
      () => startMotoServer(),
      (m) => m.endpoint,
    );
    cleanups.push(() => moto.stop());
    const aws = awsClients(moto.endpoint);

    const database = 'shop';
    const secretArn = await step(
      'store the database credentials in Secrets Manager',
      async () => {
        const secrets = new SecretsManagerClient({ ...aws.common });
        try {
          const { ARN } = await secrets.send(
            new CreateSecretCommand({
              Name: `pg-backup-drill/${DRILL_DATABASE_ID}`,
              SecretString: JSON.stringify({ username: cluster.superuser, password: cluster.superuserPassword }),
            }),
          );
          return ARN!;
        } finally {
          secrets.destroy();
        }
      },
      (arn) => arn,
    );
    const config = drillConfig({ port: cluster.port, database, secretArn });
    const deployed: DeployedApp = await step(
      'deploy the four stacks with cdklocal',
      () => deployAppToMoto({ endpoint: moto.endpoint, config, signal: options.signal }),
      (d) => `${d.stacks.map((s) => s.name).join(', ')}; ${d.rewrites.length} changes for the emulator (below)`,
    );
    report.emulator = {
      stacks: deployed.stacks,
      changes: describeRewrites(deployed.rewrites),
      rewrites: deployed.rewrites,
      tasks: [],
    };
    const bucket = deployed.primaryBucketName;
    const families = deployed.taskFamilies[DRILL_DATABASE_ID];
    if (!families) throw new Error(`the jobs stack has no tasks for ${DRILL_DATABASE_ID}`);

    const source = { host: '127.0.0.1', port: cluster.port, database, user: cluster.superuser, password: cluster.superuserPassword! };
    const sourceClient = async () => {
      const client = new pg.Client({ host: cluster.socketDir, port: cluster.port, database, user: cluster.superuser });
      await client.connect();
      return client;
    };
    await step(
      `generate a ~${options.sizeMegabytes} MB sample database`,
      async () => {
        const admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, database: 'postgres', user: cluster.superuser });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${database}`);
        await admin.end();
        const client = await sourceClient();
        try {
          await generateSampleDatabase(client, options.sizeMegabytes);
          const size = Number((await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0].size);
          return size;
        } finally {
          await client.end();
        }
      },
      (size) => `${(size / 1e6).toFixed(0)} MB`,
    ).then((bytes) => (report.database = { id: DRILL_DATABASE_ID, bytes, tables: 0, rows: 0 }));

    const atDump: DatabaseFingerprint = await step('fingerprint the data at dump time', () => fingerprintDatabase(cluster.url(database)));

    /** Runs a deployed task definition's command with its environment; a non-zero exit fails the step with the CLI's last words. */
    const runTask = async (job: 'dump' | 'verify', family: string): Promise<DeployedTaskRun> => {
      const run = await runDeployedTask({ aws: { endpoint: moto.endpoint }, region: deployed.region, family, signal: options.signal });
      report.emulator!.tasks.push(taskRunReport(job, family, run));
      if (run.exitCode !== 0) {
        const lastWords = (run.stderr.trim().split('\n').at(-1) ?? '').slice(0, 600);
        throw new Error(
          `pg-backup ${run.command.join(' ')} (task definition ${run.taskDefinitionArn}) exited with code ${run.exitCode}: ${lastWords}`,
        );
      }
      return run;
    };
    const manifest: BackupManifest = await step(
      'pg-backup dump, as its deployed task definition says',
      async () => {
        await runTask('dump', families.dump);
        return resolveBackup(aws.s3, bucket, DRILL_DATABASE_ID, { kind: 'latest' });
      },
      (m) => `${m.backupId}, ${(m.dump.storedBytes / 1e6).toFixed(1)} MB stored`,
    );
    report.database = { ...report.database!, tables: manifest.tables.length, rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0) };
    report.backup = {
      backupId: manifest.backupId,
      bucket,
      rawBytes: manifest.rawBytes,
      storedBytes: manifest.dump.storedBytes,
      compressionRatio: manifest.rawBytes / manifest.dump.storedBytes,
      dumpSeconds: manifest.durationSeconds,
      throughputBytesPerSecond: report.database.bytes / manifest.durationSeconds,
    };

    const record: VerificationRecord = await step(
      'pg-backup verify, as its deployed task definition says',
      async () => {
        await runTask('verify', families.verify);
        const verification = await readVerification(aws.s3, bucket, DRILL_DATABASE_ID, manifest.backupId);
        if (!verification) throw new Error(`verify exited 0 but stored no verification record for ${manifest.backupId}`);
        if (!verification.passed) throw new Error(`verification failed: ${verification.mismatches.join('; ')}`);
        return verification;
      },
      (v) => `restored in ${v.restoreSeconds?.toFixed(1)} s, ${manifest.tables.length} tables match, ${v.smokeQueries.length} smoke query`,
    );
    report.verification = {
      passed: record.passed,
      ...(record.restoreSeconds !== undefined ? { restoreSeconds: record.restoreSeconds } : {}),
      ...(record.recovery ? { recoverySeconds: record.recovery.totalSeconds } : {}),
      mismatches: record.mismatches,
    };

    await step(
      'pg-backup status',
      async () => {
        const [status] = await checkDatabases(aws.s3, bucket, [{ databaseId: DRILL_DATABASE_ID, limits: DEFAULT_LIMITS }]);
        if (!status.ok) throw new Error(`status reports problems: ${status.problems.map((p) => p.summary).join('; ')}`);
        return status;
      },
      () => 'fresh backup, verification passed',
    );

    const alerts: { when: string; subject: string }[] = [];
    await step(
      'freshness check as deployed: quiet now, alert at 27 h',
      async () => {
        const deployedFunction = await readDeployedFreshnessFunction({
          aws: { endpoint: moto.endpoint },
          region: deployed.region,
          functionName: deployed.freshnessFunctionName,
        });
        const { config: freshness } = deployedFunction;
        const stateTable = await ensureAlertStateTable(aws, freshness.stateTable);
        report.emulator!.freshness = {
          functionArn: deployedFunction.functionArn,
          environment: Object.keys(deployedFunction.environment),
          standIns: [
            "run in-process (lambda/freshness/run-check.ts with the handler's readConfig): moto cannot invoke a Lambda without a Docker engine",
            `AWS_REGION=${deployedFunction.runtimeEnvironment.AWS_REGION}, which the Lambda runtime sets`,
            `AWS endpoint ${moto.endpoint} and dummy credentials in place of the function role's`,
            stateTable === 'created'
              ? `alert-state table ${freshness.stateTable} (AWS::DynamoDB::GlobalTable, which moto's CloudFormation does not create) created by the drill under the name the function's environment gives`
              : `alert-state table ${freshness.stateTable} as deployed`,
            'an SQS queue subscribed to the deployed alert topic in place of e-mail and Slack',
            ...(freshness.replica
              ? [
                  `S3 replication (moto does not replicate): the drill copies the dump into the deployed replica bucket ${freshness.replica.bucket}, as replication would, so the check finds its copy`,
                ]
              : []),
          ],
        };
        const replicaS3 = freshness.replica && new S3Client({ ...aws.common, region: freshness.replica.region, forcePathStyle: true });
        if (freshness.replica && replicaS3) {
          // Read and written whole: a drill's dump is small, and moto wants the SDK's checksum header on writes into a locked bucket.
          const original = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifest.dump.key }));
          await replicaS3.send(
            new PutObjectCommand({
              Bucket: freshness.replica.bucket,
              Key: manifest.dump.key,
              Body: await original.Body!.transformToByteArray(),
              ChecksumAlgorithm: 'SHA256',
            }),
          );
        }
        const clients = { ...aws.freshness, ...(replicaS3 ? { replicaS3 } : {}) };
        const inbox = await alertInbox(aws, freshness.topicArn);
        const now = new Date();
        await runFreshnessCheck(freshness, clients, now);
        for (const delivered of await inbox.drain()) alerts.push({ when: 'now', subject: delivered });
        if (alerts.length > 0) throw new Error(`unexpected alert on a fresh backup: ${alerts[0].subject}`);
        await runFreshnessCheck(freshness, clients, new Date(now.getTime() + 27 * HOURS));
        const later = await inbox.drain();
        for (const delivered of later) alerts.push({ when: 'in 27 h without a new backup', subject: delivered });
        if (later.length !== 1) throw new Error(`expected one stale-backup alert 27 h later, got ${later.length}`);
        // The targets the drill is judged by: the deployed function's, as the alarms have them.
        const targets = freshness.databases.find((d) => d.id === DRILL_DATABASE_ID)?.targets;
        if (!targets) throw new Error(`the deployed freshness function has no recovery targets for ${DRILL_DATABASE_ID}`);
        report.targets = targets;
        return freshness;
      },
      (f: FreshnessConfig) => `${alerts.length} alert, from function ${deployed.freshnessFunctionName} (bucket ${f.bucket})`,
    );
    report.alerts = alerts;

    const disaster = await step(
      'disaster: drop a table, corrupt another',
      async () => {
        const client = await sourceClient();
        try {
          return await simulateDisaster(client);
        } finally {
          await client.end();
        }
      },
      (d) => `dropped ${d.droppedTable}, overwrote ${d.corruptedRows} rows of ${d.corruptedTable}`,
    );
    report.rpoSeconds = (disaster.at.getTime() - new Date(manifest.startedAt).getTime()) / 1000;
    if (report.targets) report.rpoMet = report.rpoSeconds <= report.targets.rpoSeconds;

    const restoreStarted = Date.now();
    await step(
      'pg-backup restore --replace (newest backup)',
      async () => {
        const chosen = await resolveBackup(aws.s3, bucket, DRILL_DATABASE_ID, { kind: 'latest' });
        return runRestore({
          s3: aws.s3,
          bucket,
          manifest: chosen,
          target: source,
          replace: true,
          confirm: async () => true,
          reporter,
          kmsKeyId: deployed.primaryKeyArn,
        });
      },
      (r) => `pg_restore ${r.restoreSeconds.toFixed(1)} s, safety dump ${r.safetyDump ? 'stored' : 'not needed'}`,
    );
    report.rtoSeconds = (Date.now() - restoreStarted) / 1000;
    if (report.targets) report.rtoMet = report.rtoSeconds <= report.targets.rtoSeconds;

    const differences = await step(
      'prove restored data equals the data at dump time',
      async () => {
        const found = fingerprintDifferences(atDump, await fingerprintDatabase(cluster.url(database)));
        if (found.length > 0) throw new Error(found.join('; '));
        return found;
      },
      () => `${Object.keys(atDump.tables).length} tables, ${Object.keys(atDump.sequences).length} sequences identical`,
    );
    report.restoredEqualsDumped = differences.length === 0;
  } catch (error) {
    if (report.restoredEqualsDumped === undefined && steps.at(-1)?.name.startsWith('prove')) {
      report.restoredEqualsDumped = false;
      report.differences = [(error as Error).message];
    }
    reporter.warn('drill step failed', { step: steps.at(-1)?.name, error: (error as Error).message });
  } finally {
    for (const stop of cleanups.reverse()) await stop().catch(() => undefined);
  }

  const final: DrillReport = {
    // A drill that recovers the data but misses a target has failed: the targets are what was promised.
    ok:
      steps.length > 0 &&
      steps.every((s) => s.ok) &&
      report.restoredEqualsDumped === true &&
      report.rpoMet === true &&
      report.rtoMet === true,
    startedAt: startedAt.toISOString(),
    steps,
    ...report,
    reportFile: options.reportFile,
  };
  writeFileSync(options.reportFile, `${JSON.stringify(final, null, 2)}\n`);
  return final;
}

function awsClients(endpoint: string) {
  const common = { region: REGION, endpoint, credentials: { accessKeyId: 'drill', secretAccessKey: 'drill' } };
  const s3 = new S3Client({ ...common, forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED' });
  return {
    common,
    s3,
    sqs: new SQSClient(common),
    freshness: { s3, cloudwatch: new CloudWatchClient(common), sns: new SNSClient(common), dynamodb: new DynamoDBClient(common) },
  };
}

/**
 * The alert-state table the deployed function's environment names: as deployed when the emulator
 * made it; else (moto's CloudFormation does not create an AWS::DynamoDB::GlobalTable) created here
 * with the key the freshness check uses.
 */
async function ensureAlertStateTable(aws: ReturnType<typeof awsClients>, tableName: string): Promise<'deployed' | 'created'> {
  try {
    await aws.freshness.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    return 'deployed';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await aws.freshness.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'databaseId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'databaseId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return 'created';
}

/** An SQS queue subscribed to the deployed alert topic, in place of e-mail and Slack. */
async function alertInbox(aws: ReturnType<typeof awsClients>, topicArn: string) {
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'pg-backup-drill-inbox' }));
  const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await aws.freshness.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  const drain = async (): Promise<string[]> => {
    const subjects: string[] = [];
    for (;;) {
      const { Messages } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!Messages?.length) return subjects;
      for (const message of Messages) {
        subjects.push((JSON.parse(message.Body!) as { Subject: string }).Subject);
        await aws.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  };
  return { drain };
}

/** What the report says about one run of a deployed task: where its command and environment came from, and what stood in. */
function taskRunReport(job: 'dump' | 'verify', family: string, run: DeployedTaskRun): DrillTaskRun {
  return {
    job,
    family,
    taskDefinitionArn: run.taskDefinitionArn,
    command: run.command,
    environment: run.taskEnvironment,
    standIns: run.standIns,
    exitCode: run.exitCode,
    seconds: run.seconds,
  };
}
