import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { execa } from 'execa';
import type { AppConfig } from '../../lib/config/app-config.js';
import { replicaLocation } from '../../lib/config/protection-config.js';
import { scheduleName } from '../../lib/jobs/run-task-request.js';
import { type AddPgBackupStacksOptions, PROJECT_ROOT, pgBackupApp } from '../../lib/pg-backup-app.js';
import { commandFailed, PgBackupError } from '../../src/errors.js';
import { type AppliedSetting, applyBucketSettingsMotoSkips } from './moto-bucket-settings.js';
import { type CreatedSchedule, createSchedulesMotoSkips } from './moto-schedules.js';
import { type CfnTemplate, type MotoRewrite, rewriteTemplateForMoto } from './moto-template-rewrites.js';

export interface DeployToMotoOptions {
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
   * After the deploy, apply through the S3 API the bucket settings moto's CloudFormation skips
   * (versioning, Bucket Keys, Object Lock, lifecycle, public access block, logging, replication), so
   * the buckets behave like deployed ones. Off, the buckets are exactly what moto's CloudFormation made.
   * @default true
   */
  readonly completeBuckets?: boolean;
  /** Stops the deploy (the running cdklocal, and before the next stack) with an error. */
  readonly signal?: AbortSignal;
}

/** One stack as deployed, in deploy order. */
export interface DeployedStack {
  readonly name: string;
  readonly region: string;
  readonly seconds: number;
}

/** What the deployed stacks say, and what was changed so that moto could deploy them. */
export interface DeployedApp {
  readonly primaryBucketName: string;
  readonly primaryKeyArn: string;
  readonly replicaBucketName: string;
  readonly replicaKeyArn: string;
  readonly alertTopicArn: string;
  /** The primary region: the jobs and monitoring stacks are there too. */
  readonly region: string;
  /**
   * The dump and verify schedules by database id (empty when no database has a connection), created in the
   * emulator as deployed: runDeployedTask({ schedule }) runs a job exactly as its schedule would.
   */
  readonly schedules: Readonly<Record<string, { readonly dump: CreatedSchedule; readonly verify: CreatedSchedule }>>;
  /** The freshness Lambda's name. */
  readonly freshnessFunctionName: string;
  /** Every stack (the numbered jobs and monitoring stacks too; no jobs stack when no database has a connection), in the order they were deployed. */
  readonly stacks: readonly DeployedStack[];
  /** Every change made for the emulator, to the app or a template (describeRewrites() renders them). */
  readonly rewrites: readonly MotoRewrite[];
  /** Each stack's template as synthesized, before the rewrites, by stack name. */
  readonly synthesized: Readonly<Record<string, CfnTemplate>>;
  /** Bucket settings applied after the deploy, by bucket name (empty when completeBuckets is false). */
  readonly completed: Readonly<Record<string, readonly AppliedSetting[]>>;
  /** Stack name -> output name -> value. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** What the jobs stack's task definitions name instead of the image built from the Dockerfile. */
export const STAND_IN_IMAGE = 'pg-backup-not-built:no-docker-engine';

/** Changes to the whole app for moto, reported with the template rewrites. */
const APP_REWRITES: readonly MotoRewrite[] = [
  {
    kind: 'app-option',
    stack: '*',
    option: 'termination protection off',
    reason: 'moto has no UpdateTerminationProtection, which cdk deploy calls when it is on',
  },
  {
    kind: 'app-option',
    stack: '*',
    option: 'no `app` tags',
    reason: "moto 5.2's CloudFormation fails on a tagged AWS::KMS::Key (KeyError 'TagKey')",
  },
];

const CDKLOCAL = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdklocal');
/** Bootstraps already done (or under way) in this process, by endpoint and environment. */
const bootstrapped = new Map<string, Promise<void>>();

/**
 * Deploys every stack of `config` to a moto server with `cdklocal`, one at a time in dependency
 * order (replica storage, primary storage, the jobs stacks, the monitoring stacks): synthesizes in-process (cdk-nag
 * included; the jobs stack with a stand-in image, as there is no Docker engine to build one),
 * bootstraps each region once per endpoint and process, then before each `cdklocal deploy` rewrites
 * the stack's template where moto's CloudFormation cannot take it (rewriteTemplateForMoto: cross-stack
 * references resolved to the outputs deployed so far, Lambda-backed custom resources removed, types
 * moto does not create listed), creates a jobs stack's schedules through the Scheduler API after its
 * deploy (moto-schedules.ts), and returns every change. Quiet unless it fails; then it throws a
 * PgBackupError with the command and the tail of its output.
 */
export async function deployAppToMoto(options: DeployToMotoOptions): Promise<DeployedApp> {
  if (options.config.vault) {
    throw new PgBackupError(
      `the emulator is one AWS account, and this stage keeps its replica in vault account ${options.config.vault.account}: deploy inOneAccount(config) (tools/local/one-account-stage.ts)`,
    );
  }
  const endpoint = localhostEndpoint(options.endpoint);
  const outdir = options.outdir ?? mkdtempSync(path.join(tmpdir(), 'pg-backup-moto-synth-'));
  try {
    const appOptions: AddPgBackupStacksOptions = {
      // moto has no UpdateTerminationProtection (cdk deploy calls it when the flag is set).
      terminationProtection: false,
      // moto's CloudFormation fails on a tagged AWS::KMS::Key (KeyError 'TagKey' in moto 5.2).
      tags: false,
      jobsImage: ecs.ContainerImage.fromRegistry(STAND_IN_IMAGE),
    };
    const { app, replica, primary, jobs, jobsShards, monitoring, monitoringShards } = pgBackupApp(options.config, {
      ...appOptions,
      appProps: { outdir },
    });
    if (!monitoring) throw new PgBackupError('the app has no monitoring stack');
    const assembly = app.synth();
    const { account } = options.config;
    await Promise.all(
      [...new Set([replicaLocation(options.config).region, options.config.primaryRegion])].map((region) =>
        bootstrapOnce(endpoint, `aws://${account}/${region}`, outdir, options.signal),
      ),
    );

    const rewrites: MotoRewrite[] = [...APP_REWRITES];
    if (jobs) {
      rewrites.push({
        kind: 'image-not-built',
        stack: jobs.stackName,
        image: STAND_IN_IMAGE,
        reason: 'no Docker engine to build the Dockerfile',
      });
    }
    const outputs: Record<string, Record<string, string>> = {};
    const stacks: DeployedStack[] = [];
    const synthesized: Record<string, CfnTemplate> = {};
    const created: CreatedSchedule[] = [];
    const jobsStacks = new Set<string>([...(jobs ? [jobs] : []), ...jobsShards].map((s) => s.stackName));
    for (const stack of [replica, primary, ...(jobs ? [jobs] : []), ...jobsShards, monitoring, ...monitoringShards]) {
      if (options.signal?.aborted) throw new PgBackupError(`deploy to moto stopped before ${stack.stackName}: interrupted`);
      const started = Date.now();
      const artifact = assembly.getStackByName(stack.stackName);
      synthesized[stack.stackName] = artifact.template;
      const { template, rewrites: stackRewrites } = rewriteTemplateForMoto(artifact.template, {
        stackName: stack.stackName,
        region: stack.region,
        account,
        deployedOutputs: outputs,
      });
      replaceTemplate(outdir, artifact.id, template);
      rewrites.push(...stackRewrites);
      const outputsFile = path.join(outdir, `${stack.stackName}.outputs.json`);
      await cdklocal(
        endpoint,
        [
          'deploy',
          stack.stackName,
          '--exclusively',
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
        ],
        options.signal,
      );
      Object.assign(outputs, JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>);
      outputs[stack.stackName] ??= {};
      if (jobsStacks.has(stack.stackName)) {
        const schedules = await createSchedulesMotoSkips({ endpoint, region: stack.region, account, stackName: stack.stackName, template });
        created.push(...schedules);
        if (schedules.length > 0) {
          rewrites.push({
            kind: 'created-through-api',
            stack: stack.stackName,
            type: 'AWS::Scheduler::Schedule',
            names: schedules.map((s) => `${s.group}/${s.name}`),
            how: "EventBridge Scheduler's CreateSchedule, each as the template says with the deployed values",
          });
        }
      }
      stacks.push({ name: stack.stackName, region: stack.region, seconds: (Date.now() - started) / 1000 });
    }

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
      region: primary.region,
      schedules: Object.fromEntries(
        [jobs?.group, ...jobsShards.map((s) => s.group)]
          .flatMap((group) => [...(group?.jobs.keys() ?? [])])
          .map((id) => {
            const find = (job: 'dump' | 'verify') => {
              const schedule = created.find((s) => s.name === scheduleName(id, job));
              if (!schedule) throw new PgBackupError(`the deploy created no schedule ${scheduleName(id, job)}`);
              return schedule;
            };
            return [id, { dump: find('dump'), verify: find('verify') }];
          }),
      ),
      freshnessFunctionName: output(monitoring.stackName, 'FreshnessFunctionName'),
      stacks,
      rewrites,
      synthesized,
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
        references: {
          keyArn: deployed.replicaKeyArn,
          accessLogBucketName: output(replica.stackName, 'ReplicaAccessLogBucketName'),
          otherBuckets: await bucketsOfStack(endpoint, replica.region, replica.stackName),
        },
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
          otherBuckets: await bucketsOfStack(endpoint, primary.region, primary.stackName),
        },
      });
    }
    return { ...deployed, completed };
  } finally {
    if (options.outdir === undefined) rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Writes a rewritten template into the cloud assembly. cdk deploy sends CloudFormation the template
 * asset's S3 URL, named by the hash of the synthesized file: the asset gets the new content's hash, so
 * the upload is not skipped as "already published" and the URL names the rewritten template.
 */
function replaceTemplate(outdir: string, artifactId: string, template: unknown): void {
  const manifestFile = path.join(outdir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts: Record<
      string,
      { type: string; properties?: { templateFile?: string; stackTemplateAssetObjectUrl?: string; file?: string } }
    >;
  };
  const properties = manifest.artifacts[artifactId]?.properties;
  if (!properties?.templateFile) throw new PgBackupError(`the cloud assembly in ${outdir} has no template for ${artifactId}`);
  const text = JSON.stringify(template, null, 1);
  writeFileSync(path.join(outdir, properties.templateFile), text);
  const hash = createHash('sha256').update(text).digest('hex');

  const assetsFile = path.join(outdir, manifest.artifacts[`${artifactId}.assets`]?.properties?.file ?? `${artifactId}.assets.json`);
  const assets = JSON.parse(readFileSync(assetsFile, 'utf8')) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { bucketName: string; objectKey: string }> }>;
  };
  const [oldHash, asset] = Object.entries(assets.files).find(([, a]) => a.source.path === properties.templateFile) ?? [];
  if (!oldHash || !asset) throw new PgBackupError(`${assetsFile} has no asset for ${properties.templateFile}`);
  delete assets.files[oldHash];
  for (const destination of Object.values(asset.destinations)) destination.objectKey = destination.objectKey.replace(oldHash, hash);
  assets.files[hash] = asset;
  writeFileSync(assetsFile, JSON.stringify(assets, null, 1));
  if (properties.stackTemplateAssetObjectUrl)
    properties.stackTemplateAssetObjectUrl = properties.stackTemplateAssetObjectUrl.replace(oldHash, hash);
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 1));
}

function bootstrapOnce(endpoint: string, environment: string, outdir: string, signal?: AbortSignal): Promise<void> {
  const key = `${endpoint} ${environment}`;
  let done = bootstrapped.get(key);
  if (!done) {
    done = cdklocal(endpoint, ['bootstrap', environment, '--app', outdir], signal);
    // A failed bootstrap may be retried by the next call.
    done.catch(() => bootstrapped.delete(key));
    bootstrapped.set(key, done);
  }
  return done;
}

async function cdklocal(endpoint: string, args: string[], signal?: AbortSignal): Promise<void> {
  const subprocess = execa(CDKLOCAL, [...args, '--no-notices', '--no-version-reporting', '--ci'], {
    cwd: PROJECT_ROOT,
    reject: false,
    all: true,
    extendEnv: false,
    // Its own process group: cdklocal runs the cdk CLI as a child, and an interrupt must stop both.
    detached: true,
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
  const stop = () => {
    try {
      if (subprocess.pid !== undefined) process.kill(-subprocess.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  const result = await subprocess.finally(() => signal?.removeEventListener('abort', stop));
  if (signal?.aborted) throw new PgBackupError(`cdklocal ${args[0]} stopped: interrupted`);
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

/** The buckets moto created for a stack: logical id -> bucket name (its physical id). */
async function bucketsOfStack(endpoint: string, region: string, stackName: string): Promise<Record<string, string>> {
  const cloudFormation = new CloudFormationClient({
    region,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    const { StackResources } = await cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    return Object.fromEntries(
      (StackResources ?? [])
        .filter((r) => r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId)
        .map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]),
    );
  } finally {
    cloudFormation.destroy();
  }
}
