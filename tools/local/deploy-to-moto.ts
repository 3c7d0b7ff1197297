import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import type { AppConfig } from '../../lib/config/app-config.js';
import { type AddPgBackupStacksOptions, PROJECT_ROOT, pgBackupApp } from '../../lib/pg-backup-app.js';
import { commandFailed, PgBackupError } from '../../src/errors.js';
import { type AppliedSetting, applyBucketSettingsMotoSkips } from './moto-bucket-settings.js';

export interface DeployStorageToMotoOptions {
  /** The moto server, e.g. http://localhost:5000 (127.0.0.1 is rewritten: moto's CloudFormation needs `localhost`). */
  readonly endpoint: string;
  /** The stage to deploy, e.g. the example with another appName or databases. */
  readonly config: AppConfig;
  /**
   * Where to synthesize the cloud assembly.
   * @default - a temp directory, removed afterwards
   */
  readonly outdir?: string;
  /**
   * Also deploy the monitoring stack. moto cannot deploy it today (its cross-stack references are
   * Fn::GetStackOutput, which moto's CloudFormation does not implement), so it is off by default.
   * @default false
   */
  readonly monitoring?: boolean;
  /**
   * After the deploy, apply through the S3 API the bucket settings moto's CloudFormation skips
   * (versioning, Bucket Keys, Object Lock, lifecycle, public access block, logging, replication), so
   * the buckets behave like deployed ones. Off, the buckets are exactly what moto's CloudFormation made.
   * @default true
   */
  readonly completeBuckets?: boolean;
}

/** What the storage stacks' outputs say. */
export interface DeployedStorage {
  readonly primaryBucketName: string;
  readonly primaryKeyArn: string;
  readonly replicaBucketName: string;
  readonly replicaKeyArn: string;
  readonly alertTopicArn: string;
  /** Bucket settings applied after the deploy, by bucket name (empty when completeBuckets is false). */
  readonly completed: Readonly<Record<string, readonly AppliedSetting[]>>;
  /** Stack name -> output name -> value. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const CDKLOCAL = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdklocal');
/** Bootstraps already done (or under way) in this process, by endpoint and environment. */
const bootstrapped = new Map<string, Promise<void>>();

/**
 * Deploys the replica and primary storage stacks of `config` to a moto server with `cdklocal`:
 * synthesizes in-process (cdk-nag included) to a directory, bootstraps each region once per endpoint
 * and process, then `cdklocal deploy --app <dir>`. Quiet unless it fails; then it throws a
 * PgBackupError with the command and the tail of its output.
 */
export async function deployStorageToMoto(options: DeployStorageToMotoOptions): Promise<DeployedStorage> {
  const endpoint = localhostEndpoint(options.endpoint);
  const outdir = options.outdir ?? mkdtempSync(path.join(tmpdir(), 'pg-backup-moto-synth-'));
  try {
    // Only what is deployed is synthesized: no jobs stack (its container image would be staged for nothing).
    const appOptions: AddPgBackupStacksOptions = {
      monitoring: options.monitoring ?? false,
      jobsStack: false,
      // moto has no UpdateTerminationProtection (cdk deploy calls it when the flag is set).
      terminationProtection: false,
      // moto's CloudFormation fails on a tagged AWS::KMS::Key (KeyError 'TagKey' in moto 5.2).
      tags: false,
    };
    const { app, replica, primary, monitoring } = pgBackupApp(options.config, { ...appOptions, appProps: { outdir } });
    const assembly = app.synth();
    const { account } = options.config;
    await Promise.all(
      [...new Set([options.config.replicaRegion, options.config.primaryRegion])].map((region) =>
        bootstrapOnce(endpoint, `aws://${account}/${region}`, outdir),
      ),
    );

    const stackNames = [replica.stackName, primary.stackName, ...(monitoring ? [monitoring.stackName] : [])];
    const outputsFile = path.join(outdir, 'outputs.json');
    await cdklocal(endpoint, [
      'deploy',
      ...stackNames,
      '--app',
      outdir,
      '--require-approval',
      'never',
      '--method',
      'direct',
      '--outputs-file',
      outputsFile,
      '--progress',
      'events',
    ]);

    const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
    const output = (stack: string, name: string): string => {
      const value = outputs[stack]?.[name];
      if (!value)
        throw new PgBackupError(`cdklocal deploy succeeded but stack ${stack} has no output ${name} (outputs: ${JSON.stringify(outputs)})`);
      return value;
    };
    const deployed = {
      primaryBucketName: output(primary.stackName, 'BackupBucketName'),
      primaryKeyArn: output(primary.stackName, 'BackupKeyArn'),
      alertTopicArn: output(primary.stackName, 'AlertTopicArn'),
      replicaBucketName: output(replica.stackName, 'ReplicaBucketName'),
      replicaKeyArn: output(replica.stackName, 'ReplicaKeyArn'),
      outputs,
    };
    const completed: Record<string, AppliedSetting[]> = {};
    if (options.completeBuckets ?? true) {
      // Replica first: the primary's replication names it.
      completed[deployed.replicaBucketName] = await applyBucketSettingsMotoSkips({
        endpoint,
        region: replica.region,
        template: assembly.getStackByName(replica.stackName).template,
        bucketName: deployed.replicaBucketName,
        references: { keyArn: deployed.replicaKeyArn, accessLogBucketName: output(replica.stackName, 'ReplicaAccessLogBucketName') },
      });
      completed[deployed.primaryBucketName] = await applyBucketSettingsMotoSkips({
        endpoint,
        region: primary.region,
        template: assembly.getStackByName(primary.stackName).template,
        bucketName: deployed.primaryBucketName,
        references: {
          keyArn: deployed.primaryKeyArn,
          accessLogBucketName: output(primary.stackName, 'AccessLogBucketName'),
          replicationRoleArn: output(primary.stackName, 'ReplicationRoleArn'),
        },
      });
    }
    return { ...deployed, completed };
  } finally {
    if (options.outdir === undefined) rmSync(outdir, { recursive: true, force: true });
  }
}

function bootstrapOnce(endpoint: string, environment: string, outdir: string): Promise<void> {
  const key = `${endpoint} ${environment}`;
  let done = bootstrapped.get(key);
  if (!done) {
    done = cdklocal(endpoint, ['bootstrap', environment, '--app', outdir]);
    // A failed bootstrap may be retried by the next call.
    done.catch(() => bootstrapped.delete(key));
    bootstrapped.set(key, done);
  }
  return done;
}

async function cdklocal(endpoint: string, args: string[]): Promise<void> {
  const result = await execa(CDKLOCAL, [...args, '--no-notices', '--no-version-reporting', '--ci'], {
    cwd: PROJECT_ROOT,
    reject: false,
    all: true,
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      CDK_DISABLE_LEGACY_EXPORT_WARNING: '1',
    },
  });
  if (result.exitCode !== 0) {
    throw commandFailed(`cdklocal ${args.join(' ')}`, {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stderr: result.all ?? result.stderr,
    });
  }
}

function localhostEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.hostname === '127.0.0.1' || url.hostname === '::1' || url.hostname === '[::1]') url.hostname = 'localhost';
  return url.origin;
}
