import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { AppConfig } from './config/app-config.js';
import { resolveDatabaseJobConfig } from './config/database-config.js';
import { resolveJobsConfig } from './config/jobs-config.js';
import { resolveNetworkConfig } from './config/network-config.js';
import { replicaLocation, SAME_ACCOUNT_REPLICA_WARNING } from './config/protection-config.js';
import { resolveRecoveryTargets } from './config/recovery-targets.js';
import { resolveReplicationConfig } from './config/replication-config.js';
import { resolveStorageConfig } from './config/storage-config.js';
import { validateAppConfig } from './config/validate-app-config.js';
import { jobsLogGroupName } from './jobs/job-task-definitions.js';
import { runNowCommand } from './jobs/run-task-command.js';
import { scheduleGroupName, scheduleName } from './jobs/run-task-request.js';
import { freshnessRoleName } from './monitoring/freshness-function.js';
import { PgBackupChecks } from './nag/pg-backup-checks.js';
import { StackLimitsPlugin } from './nag/stack-limits.js';
import { JobsShardStack } from './stacks/jobs-shard-stack.js';
import { JobsStack } from './stacks/jobs-stack.js';
import { MonitoringShardStack } from './stacks/monitoring-shard-stack.js';
import { MonitoringStack } from './stacks/monitoring-stack.js';
import { PrimaryStorageStack } from './stacks/primary-storage-stack.js';
import { ReplicaStorageStack } from './stacks/replica-storage-stack.js';
import { byStack, MONITORED_DATABASES_PER_STACK, numberedStackName } from './stacks/stack-placement.js';
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
  /** `<appName>-jobs-2`, `-3`...: the databases beyond the first `jobs.databasesPerStack`, in blocks. */
  readonly jobsShards: readonly JobsShardStack[];
  /** `<appName>-monitoring-2`...: the alarms and list parts of databases beyond the first MONITORED_DATABASES_PER_STACK. */
  readonly monitoringShards: readonly MonitoringShardStack[];
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
  /**
   * Monitored databases per monitoring stack (their alarms): lower only to test the split.
   * @default MONITORED_DATABASES_PER_STACK (100)
   */
  readonly monitoredDatabasesPerStack?: number;
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

  // Every entry keeps its position (monitored-only and retired ones too): it decides the numbered stack.
  const jobsConfig = resolveJobsConfig(config.jobs);
  const positioned = config.databases.map((database, position) => ({ position, database, job: resolveDatabaseJobConfig(database) }));
  const jobDatabases = positioned.flatMap(({ position, job }) => (job ? [{ position, item: job }] : []));
  let jobsStack: JobsStack | undefined;
  const jobsShards: JobsShardStack[] = [];
  if ((options.jobsStack ?? true) && jobDatabases.length > 0) {
    const blocks = byStack(jobDatabases, jobsConfig.databasesPerStack);
    const env = { account, region: config.primaryRegion };
    jobsStack = new JobsStack(app, `${appName}-jobs`, {
      env,
      description: `${appName}: scheduled pg-backup dump and verify tasks on ECS Fargate (shared pieces, databases 1-${jobsConfig.databasesPerStack})`,
      appName,
      allDatabases: jobDatabases.map((d) => d.item),
      databases: blocks.get(1) ?? [],
      network: resolveNetworkConfig(config.network),
      jobsConfig,
      backupBucketName: backupBucketName(appName, account, config.primaryRegion),
      backupKey: primary.backupKey.key,
      operationsKey: primary.operationsKey.key,
      alerts: primary.alerts,
      imageDirectory: PROJECT_ROOT,
      ...(options.jobsImage ? { image: options.jobsImage } : {}),
    });
    jobsStack.addStackDependency(primary);
    for (const [n, databases] of [...blocks].filter(([n]) => n > 1)) {
      const per = jobsConfig.databasesPerStack;
      jobsShards.push(
        new JobsShardStack(app, numberedStackName(`${appName}-jobs`, n), {
          env,
          description: `${appName}: scheduled pg-backup dump and verify tasks of databases ${(n - 1) * per + 1}-${n * per}`,
          jobs: jobsStack,
          databases,
        }),
      );
    }
  }

  let monitoring: MonitoringStack | undefined;
  const monitoringShards: MonitoringShardStack[] = [];
  if (options.monitoring ?? true) {
    const groupName = scheduleGroupName(appName);
    const monitored = positioned
      .filter(({ database }) => !database.retired)
      .map(({ position, database, job }) => {
        // The freshness limit, the RTO and the watched RDS instance travel with the database's entry in the list.
        const targets = resolveRecoveryTargets(database, config.monitoring);
        return {
          position,
          item: job
            ? {
                id: database.id,
                dumpNowCommand: runNowCommand({
                  region: config.primaryRegion,
                  scheduleGroup: groupName,
                  scheduleName: scheduleName(database.id, 'dump'),
                }),
                logGroupName: jobsLogGroupName(appName),
                targets,
              }
            : { id: database.id, targets },
        };
      });
    const blocks = byStack(monitored, options.monitoredDatabasesPerStack ?? MONITORED_DATABASES_PER_STACK);
    const env = { account, region: config.primaryRegion };
    monitoring = new MonitoringStack(app, `${appName}-monitoring`, {
      env,
      description: `${appName}: backup freshness check, alarms and dashboard`,
      backupBucketName: backupBucketName(appName, account, config.primaryRegion),
      appName,
      breakGlassRoleName,
      backupKey: primary.backupKey.key,
      alerts: primary.alerts,
      databases: monitored.map((d) => d.item),
      stackDatabases: blocks.get(1) ?? [],
      ...(config.monitoring ? { monitoring: config.monitoring } : {}),
      replica: {
        bucketName: backupBucketName(appName, location.account, location.region),
        region: location.region,
        maxLag: resolveReplicationConfig(config.replication).maxLag,
      },
    });
    for (const [n, databases] of [...blocks].filter(([n]) => n > 1)) {
      monitoringShards.push(
        new MonitoringShardStack(app, numberedStackName(`${appName}-monitoring`, n), {
          env,
          description: `${appName}: freshness alarms of databases ${(n - 1) * (options.monitoredDatabasesPerStack ?? MONITORED_DATABASES_PER_STACK) + 1} and on`,
          monitoring,
          stackNumber: n,
          databases,
        }),
      );
    }
  }
  for (const stack of options.tags === false ? [] : [replica, primary, jobsStack, ...jobsShards, monitoring, ...monitoringShards]) {
    // CloudFormation's schema has no Tags on AWS::CloudWatch::Dashboard (cfn-lint E3002), though CDK would render them.
    if (stack) Tags.of(stack).add('app', appName, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
  }
  return { replica, primary, jobs: jobsStack, jobsShards, monitoring, monitoringShards };
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
  // Every synth, with or without the nag packs: a stack near CloudFormation's limits fails its next change.
  Validations.of(app).addPlugins(new StackLimitsPlugin());
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
