import { CfnOutput, type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { databasesParameterPath, type FreshnessDatabase } from '../../src/contract/freshness/function-environment.js';
import type { AlertTopic } from '../alerts/alert-topic.js';
import { type MonitoringConfig, type ResolvedMonitoringConfig, resolveMonitoringConfig } from '../config/monitoring-config.js';
import type { ResolvedRecoveryTargets } from '../config/recovery-targets.js';
import { DatabaseListParameters } from '../monitoring/database-list-parameters.js';
import { DatabaseAlarms, databaseAlarmName, FreshnessCheckAlarms } from '../monitoring/freshness-alarms.js';
import { FreshnessDashboard } from '../monitoring/freshness-dashboard.js';
import { FreshnessFunction, freshnessRoleName } from '../monitoring/freshness-function.js';

export interface MonitoredDatabase {
  /** Database id (src/contract/layout.ts DATABASE_ID_PATTERN). */
  readonly id: string;
  /**
   * The exact command that starts a dump of this database now, quoted in alerts.
   * @default - `npx pg-backup dump --db-id <id> --bucket <bucket> --source "$DATABASE_URL"`
   */
  readonly dumpNowCommand?: string;
  /**
   * The log group of this database's dump and verify tasks, quoted in alerts.
   * @default - alerts name only the freshness check's own log group
   */
  readonly logGroupName?: string;
  /**
   * The database's recovery targets (lib/config/recovery-targets.ts): its freshness limit, the RTO its alarm
   * watches, and the RDS instance whose point-in-time recovery is watched. They travel with its entry in the
   * database list.
   * @default - the limits of `monitoring`; recovery time and point-in-time recovery not watched
   */
  readonly targets?: ResolvedRecoveryTargets;
}

export interface MonitoringStackProps extends StackProps {
  /** Prefix of the alarm names: the alert topic admits the stage's alarms by it. */
  readonly appName: string;
  /** The break-glass role of the account (lib/config/protection-config.ts). */
  readonly breakGlassRoleName: string;
  /** The primary backup bucket's name (deterministic: backupBucketName()): the policies, the function and the commands name it literally. */
  readonly backupBucketName: string;
  /** The key of the backup bucket. */
  readonly backupKey: kms.IKey;
  /** The topic e-mail and AWS Chatbot subscribe to. */
  readonly alerts: AlertTopic;
  /** Every monitored database of the stage: the freshness check watches them all, the dashboard lists their alarms. */
  readonly databases: readonly MonitoredDatabase[];
  /**
   * The databases whose alarms and part of the database list live in this stack (the first
   * MONITORED_DATABASES_PER_STACK); MonitoringShardStack holds the others'.
   */
  readonly stackDatabases: readonly MonitoredDatabase[];
  /** @default - the defaults of lib/config/monitoring-config.ts (26h, 8d, 30%, every 15m, reminders every 6h) */
  readonly monitoring?: MonitoringConfig;
  /**
   * The replica bucket the freshness check compares with, and how far behind it may be.
   * @default - the replica is not compared
   */
  readonly replica?: { readonly bucketName: string; readonly region: string; readonly maxLag: Duration };
}

/**
 * `<appName>-monitoring`, in the primary region: the freshness check, its alarms, the dashboard, and the
 * alarms and database list of the first block of databases (MonitoringShardStack holds the next blocks').
 * Everything it says goes to the alert topic of the storage stack.
 */
export class MonitoringStack extends Stack {
  readonly freshness: FreshnessFunction;
  readonly dashboard: FreshnessDashboard;
  readonly databaseAlarms: ReadonlyMap<string, DatabaseAlarms>;
  readonly config: ResolvedMonitoringConfig;
  private readonly props: MonitoringStackProps;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    this.props = props;
    const config = resolveMonitoringConfig(props.monitoring);
    this.config = config;

    this.freshness = new FreshnessFunction(this, 'Freshness', {
      // By its fixed name: the policy and the function's environment name the bucket literally.
      backupBucket: s3.Bucket.fromBucketName(this, 'Backups', props.backupBucketName),
      backupKey: props.backupKey,
      alerts: props.alerts,
      databasesParameterPath: databasesParameterPath(props.appName),
      // Every watched instance of the stage, whichever stack holds the database's part of the list.
      watchedRdsInstances: props.databases.flatMap((d) =>
        d.targets?.pointInTimeRecovery ? [d.targets.pointInTimeRecovery.rdsInstance] : [],
      ),
      checkEvery: config.checkEvery,
      reminderEvery: config.reminderEvery,
      logRetention: config.logRetention,
      breakGlassRoleName: props.breakGlassRoleName,
      roleName: freshnessRoleName(props.appName, this.region),
      ...(props.replica ? { replica: props.replica } : {}),
    });
    const checkAlarms = new FreshnessCheckAlarms(this, 'CheckAlarms', {
      appName: props.appName,
      function: this.freshness.function,
      alertTopic: props.alerts.topic,
      checkEvery: config.checkEvery,
      logGroupName: this.freshness.logGroup.logGroupName,
    });
    this.databaseAlarms = this.watch(this, 1, props.stackDatabases);
    this.dashboard = new FreshnessDashboard(this, 'Dashboard', {
      databaseAlarmNames: props.databases.map((d) => databaseAlarmName(props.appName, d.id)),
      databaseIds: props.databases.map((d) => d.id),
      limits: config.limits,
      checkAlarms,
      function: this.freshness.function,
    });

    new CfnOutput(this, 'FreshnessFunctionName', {
      value: this.freshness.function.functionName,
      description: 'The freshness check (aws lambda invoke --function-name ... runs it now)',
    });
  }

  /**
   * The alarm of each of `databases` and their part of the freshness check's database list, in `scope` (this
   * stack, or the MonitoringShardStack numbered `stackNumber`).
   */
  watch(scope: Construct, stackNumber: number, databases: readonly MonitoredDatabase[]): Map<string, DatabaseAlarms> {
    const { props } = this;
    const bucketName = props.backupBucketName;
    const entries = databases.map((d) => this.freshnessEntry(d));
    new DatabaseListParameters(scope, 'DatabaseList', { path: databasesParameterPath(props.appName), stackNumber, databases: entries });
    return new Map(
      entries.map((d) => [
        d.id,
        new DatabaseAlarms(scope, `Alarms-${d.id}`, {
          appName: props.appName,
          databaseId: d.id,
          limits: d.limits,
          alertTopic: props.alerts.topic,
          statusCommand: `npx pg-backup status --bucket ${bucketName} --db-id ${d.id}`,
          ...(d.targets ? { targets: d.targets } : {}),
          ...(d.pointInTimeRecovery ? { pointInTimeRecovery: d.pointInTimeRecovery } : {}),
          ...(props.replica ? { maxReplicaLagSeconds: props.replica.maxLag.toSeconds() } : {}),
        }),
      ]),
    );
  }

  /**
   * A database's entry in the freshness check's list. One source of truth: the limit its targets give reaches
   * the check and the alarm alike, and the RTO and watched RDS instance travel with it.
   */
  private freshnessEntry({ targets, ...d }: MonitoredDatabase): FreshnessDatabase {
    const bucketName = this.props.backupBucketName;
    return {
      id: d.id,
      limits: { ...this.config.limitsFor(d.id), ...(targets ? { maxBackupAgeSeconds: targets.maxBackupAgeSeconds } : {}) },
      dumpNowCommand: d.dumpNowCommand ?? `npx pg-backup dump --db-id ${d.id} --bucket ${bucketName} --source "$DATABASE_URL"`,
      ...(d.logGroupName ? { logGroupName: d.logGroupName } : {}),
      ...(targets ? { targets: { rpoSeconds: targets.rpoSeconds, rtoSeconds: targets.rtoSeconds } } : {}),
      ...(targets?.pointInTimeRecovery ? { pointInTimeRecovery: targets.pointInTimeRecovery } : {}),
    };
  }
}
