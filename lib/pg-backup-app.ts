import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { AppConfig } from './config/app-config.js';
import { type ResolvedDatabaseJobConfig, resolveDatabaseJobConfig } from './config/database-config.js';
import { resolveJobsConfig } from './config/jobs-config.js';
import { resolveNetworkConfig } from './config/network-config.js';
import { replicaLocation, SAME_ACCOUNT_REPLICA_WARNING } from './config/protection-config.js';
import { resolveRecoveryTargets } from './config/recovery-targets.js';
import { resolveReplicationConfig } from './config/replication-config.js';
import { resolveStorageConfig } from './config/storage-config.js';
import { validateAppConfig } from './config/validate-app-config.js';
import { jobsLogGroupName } from './jobs/backup-job.js';
import { freshnessRoleName } from './monitoring/freshness-function.js';
import { PgBackupChecks } from './nag/pg-backup-checks.js';
import { JobsStack } from './stacks/jobs-stack.js';
import { MonitoringStack } from './stacks/monitoring-stack.js';
import { PrimaryStorageStack } from './stacks/primary-storage-stack.js';
import { ReplicaStorageStack } from './stacks/replica-storage-stack.js';
import { backupBucketName } from './storage/backup-bucket.js';
import { replicationRoleName } from './storage/replication.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** Where a tripwire alert sends on-call. */
const RUNBOOK_COMPROMISED_ACCOUNT = 'docs/runbooks/compromised-account.md in the pg-backup-stack repository';

export interface PgBackupStacks {
  readonly replica: ReplicaStorageStack;
  readonly primary: PrimaryStorageStack;
  readonly monitoring: MonitoringStack;
  /** Absent when no database has a connection (all are backed up elsewhere and only monitored). */
  readonly jobs?: JobsStack;
}

export interface AddPgBackupStacksOptions {
  /**
   * Add the stacks' security gates on the whole app: cdk-nag AwsSolutions, NIST 800-53 rev 5, and our own
   * invariants (PgBackupChecks, lib/nag/).
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Add the monitoring stack.
   * @default true
   */
  readonly monitoring?: boolean;
  /**
   * Add the jobs stack (ECS dump and verify tasks) when any database has a connection.
   * @default true
   */
  readonly jobsStack?: boolean;
  /**
   * Termination protection of the two storage stacks (they hold the keys and buckets).
   * @default true
   */
  readonly terminationProtection?: boolean;
  /**
   * Tag every resource with `app: <appName>`.
   * @default true
   */
  readonly tags?: boolean;
  /**
   * The image the dump and verify tasks run instead of the one built from the repository's
   * Dockerfile: for an emulator deploy with no Docker engine (tools/local/deploy-to-moto.ts), never for AWS.
   * @default - built from the repository's Dockerfile
   */
  readonly jobsImage?: ecs.ContainerImage;
}

/**
 * Adds the stacks of one stage to `app`: the replica storage (replica region), the primary storage
 * (primary region, after the replica) and the monitoring (primary region), and the cdk-nag packs.
 * Validates `config` first and throws one error listing every problem.
 */
export function addPgBackupStacks(
  app: App,
  config: AppConfig,
  source: string,
  options: AddPgBackupStacksOptions = {},
): Omit<PgBackupStacks, 'monitoring'> & { monitoring?: MonitoringStack } {
  validateAppConfig(config, source);
  const replica = addReplicaStack(app, config, options);
  const storage = resolveStorageConfig(config.storage);
  const { appName, account } = config;
  const location = replicaLocation(config);
  const breakGlassRoleName = config.protection.breakGlassRoleName;
  const primary = new PrimaryStorageStack(app, `${appName}-primary-storage`, {
    env: { account, region: config.primaryRegion },
    description: `${appName}: primary backup bucket, keys, replication, alert topic, audit trail and tripwires (${config.primaryRegion})`,
    appName,
    replica: location,
    storage,
    replication: resolveReplicationConfig(config.replication),
    alerts: config.alerts,
    breakGlassRoleName,
    runbook: RUNBOOK_COMPROMISED_ACCOUNT,
    terminationProtection: options.terminationProtection ?? true,
    ...(config.access ? { access: config.access } : {}),
  });
  // Replication needs the replica bucket and key to exist.
  primary.addStackDependency(replica);

  const jobDatabases = config.databases.map(resolveDatabaseJobConfig).filter((d): d is ResolvedDatabaseJobConfig => d !== undefined);
  let jobsStack: JobsStack | undefined;
  if ((options.jobsStack ?? true) && jobDatabases.length > 0) {
    jobsStack = new JobsStack(app, `${appName}-jobs`, {
      env: { account, region: config.primaryRegion },
      description: `${appName}: scheduled pg-backup dump and verify tasks on ECS Fargate`,
      appName,
      databases: jobDatabases,
      network: resolveNetworkConfig(config.network),
      jobsConfig: resolveJobsConfig(config.jobs),
      backupBucketName: backupBucketName(appName, account, config.primaryRegion),
      backupKey: primary.backupKey.key,
      operationsKey: primary.operationsKey.key,
      alerts: primary.alerts,
      imageDirectory: PROJECT_ROOT,
      ...(options.jobsImage ? { image: options.jobsImage } : {}),
    });
    jobsStack.addStackDependency(primary);
  }

  let monitoring: MonitoringStack | undefined;
  if (options.monitoring ?? true) {
    monitoring = new MonitoringStack(app, `${appName}-monitoring`, {
      env: { account, region: config.primaryRegion },
      description: `${appName}: backup freshness check, alarms and dashboard`,
      backupBucket: primary.backupBucket.bucket,
      appName,
      breakGlassRoleName,
      backupKey: primary.backupKey.key,
      alerts: primary.alerts,
      databases: config.databases.map((d) => {
        const job = jobsStack?.backupJobs.get(d.id);
        const targets = resolveRecoveryTargets(d, config.monitoring);
        return job
          ? { id: d.id, dumpNowCommand: job.dump.runTaskCommand, logGroupName: jobsLogGroupName(appName, d.id), targets }
          : { id: d.id, targets };
      }),
      ...(config.monitoring ? { monitoring: config.monitoring } : {}),
      replica: {
        bucketName: backupBucketName(appName, location.account, location.region),
        region: location.region,
        maxLag: resolveReplicationConfig(config.replication).maxLag,
      },
    });
  }
  for (const stack of options.tags === false ? [] : [replica, primary, jobsStack, monitoring]) {
    // CloudFormation's schema has no Tags on AWS::CloudWatch::Dashboard (cfn-lint E3002), though CDK would render them.
    if (stack) Tags.of(stack).add('app', appName, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
  }
  return { replica, primary, jobs: jobsStack, monitoring };
}

/**
 * The first deploy of a stage with a vault account: only the vault's stack, before its key exists, so
 * `vault.replicaKeyArn` is not required yet (`cdk deploy -c vaultFirst=true <app>-replica-storage`, with the
 * vault account's credentials; docs/operations.md). Every other check of the stage still applies.
 */
export function addVaultStackOnly(
  app: App,
  config: AppConfig,
  source: string,
  options: AddPgBackupStacksOptions = {},
): ReplicaStorageStack {
  if (config.vault === undefined) {
    throw new Error(
      `-c vaultFirst=true deploys the vault stack alone, but ${source} has no \`vault\`: deploy the whole stage (cdk deploy --all)`,
    );
  }
  validateAppConfig(config, source, { vaultFirst: true });
  const replica = addReplicaStack(app, config, options);
  Annotations.of(replica).addInfo(
    "Only the vault stack is synthesized (-c vaultFirst=true): after its deploy, copy its ReplicaKeyArn output into vault.replicaKeyArn, then deploy the other stacks with the main account's credentials",
  );
  if (options.tags !== false) Tags.of(replica).add('app', config.appName);
  return replica;
}

/** The replica storage stack of `config` (in the vault account when there is one), with the security gates on `app`. */
function addReplicaStack(app: App, config: AppConfig, options: AddPgBackupStacksOptions): ReplicaStorageStack {
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app), new PgBackupChecks(app));
  }
  const { appName, account } = config;
  const location = replicaLocation(config);
  const replica = new ReplicaStorageStack(app, `${appName}-replica-storage`, {
    env: { account: location.account, region: location.region },
    description: `${appName}: replica backup bucket and key (${location.isVault ? `vault account ${location.account}, ` : ''}${location.region})`,
    appName,
    storage: resolveStorageConfig(config.storage),
    breakGlassRoleName: config.protection.breakGlassRoleName,
    alerts: config.alerts,
    runbook: RUNBOOK_COMPROMISED_ACCOUNT,
    ...(location.isVault
      ? {
          replicationSource: {
            account,
            roleArn: `arn:aws:iam::${account}:role/${replicationRoleName(appName, config.primaryRegion)}`,
            watcherRoleArn: `arn:aws:iam::${account}:role/${freshnessRoleName(appName, config.primaryRegion)}`,
          },
        }
      : {}),
    terminationProtection: options.terminationProtection ?? true,
  });
  if (!location.isVault) Annotations.of(replica).addWarningV2('pg-backup:same-account-replica', SAME_ACCOUNT_REPLICA_WARNING);
  return replica;
}

/** The feature flags of cdk.json and the lookups of cdk.context.json, for apps built outside the CDK CLI (tests, deployStorageToMoto). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  // cdk.context.json: the seeded lookups (availability zones of the example account) the CLI would read too.
  const contextFile = path.join(PROJECT_ROOT, 'cdk.context.json');
  const lookups = existsSync(contextFile) ? (JSON.parse(readFileSync(contextFile, 'utf8')) as Record<string, unknown>) : {};
  return { ...lookups, ...cdkJson.context };
}

/** A new App with cdk.json's feature flags and the stacks of `config`: what `cdk synth` builds, in-process. */
export function pgBackupApp(config: AppConfig, options: AddPgBackupStacksOptions & { appProps?: AppProps; source?: string } = {}) {
  const app = new App({ ...options.appProps, context: { ...cdkJsonContext(), ...options.appProps?.context } });
  const stacks = addPgBackupStacks(app, config, options.source ?? `stage ${config.appName}`, options);
  return { app, ...stacks };
}
