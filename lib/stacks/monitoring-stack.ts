import { CfnOutput, type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { AlertTopic } from '../alerts/alert-topic.js';
import { type MonitoringConfig, resolveMonitoringConfig } from '../config/monitoring-config.js';
import type { ResolvedRecoveryTargets } from '../config/recovery-targets.js';
import { DatabaseAlarms, FreshnessCheckAlarms } from '../monitoring/freshness-alarms.js';
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
   * The database's recovery targets (lib/config/recovery-targets.ts): its freshness limit, the RTO alarm, and the
   * RDS instance whose point-in-time recovery is watched.
   * @default - the limits of `monitoring`, no recovery-time or point-in-time recovery alarm
   */
  readonly targets?: ResolvedRecoveryTargets;
}

export interface MonitoringStackProps extends StackProps {
  /** Prefix of the alarm names: the alert topic admits the stage's alarms by it. */
  readonly appName: string;
  /** The break-glass role of the account (lib/config/protection-config.ts). */
  readonly breakGlassRoleName: string;
  /** The primary backup bucket. */
  readonly backupBucket: s3.IBucket;
  /** The key of the backup bucket. */
  readonly backupKey: kms.IKey;
  /** The topic e-mail and AWS Chatbot subscribe to. */
  readonly alerts: AlertTopic;
  readonly databases: readonly MonitoredDatabase[];
  /** @default - the defaults of lib/config/monitoring-config.ts (26h, 8d, 30%, every 15m, reminders every 6h) */
  readonly monitoring?: MonitoringConfig;
  /**
   * The replica bucket the freshness check compares with, and how far behind it may be.
   * @default - the replica is not compared
   */
  readonly replica?: { readonly bucketName: string; readonly region: string; readonly maxLag: Duration };
}

/**
 * `<appName>-monitoring`, in the primary region: the freshness check, its alarms and the
 * dashboard. Everything it says goes to the alert topic of the storage stack.
 */
export class MonitoringStack extends Stack {
  readonly freshness: FreshnessFunction;
  readonly dashboard: FreshnessDashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const config = resolveMonitoringConfig(props.monitoring);
    const bucketName = props.backupBucket.bucketName;
    // One source of truth: the limit the targets give reaches the function's environment and the alarms alike.
    const databases = props.databases.map(({ targets, ...d }) => ({
      id: d.id,
      limits: { ...config.limitsFor(d.id), ...(targets ? { maxBackupAgeSeconds: targets.maxBackupAgeSeconds } : {}) },
      dumpNowCommand: d.dumpNowCommand ?? `npx pg-backup dump --db-id ${d.id} --bucket ${bucketName} --source "$DATABASE_URL"`,
      ...(d.logGroupName ? { logGroupName: d.logGroupName } : {}),
      ...(targets ? { targets: { rpoSeconds: targets.rpoSeconds, rtoSeconds: targets.rtoSeconds } } : {}),
      ...(targets?.pointInTimeRecovery ? { pointInTimeRecovery: targets.pointInTimeRecovery } : {}),
    }));

    this.freshness = new FreshnessFunction(this, 'Freshness', {
      backupBucket: props.backupBucket,
      backupKey: props.backupKey,
      alerts: props.alerts,
      databases,
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
    const withAlarms = databases.map((d) => ({
      ...d,
      alarms: new DatabaseAlarms(this, `Alarms-${d.id}`, {
        appName: props.appName,
        databaseId: d.id,
        limits: d.limits,
        alertTopic: props.alerts.topic,
        statusCommand: `npx pg-backup status --bucket ${bucketName} --db-id ${d.id}`,
        ...(d.targets ? { targets: d.targets } : {}),
        ...(d.pointInTimeRecovery ? { pointInTimeRecovery: d.pointInTimeRecovery } : {}),
      }),
    }));
    this.dashboard = new FreshnessDashboard(this, 'Dashboard', { databases: withAlarms, checkAlarms, function: this.freshness.function });

    new CfnOutput(this, 'FreshnessFunctionName', {
      value: this.freshness.function.functionName,
      description: 'The freshness check (aws lambda invoke --function-name ... runs it now)',
    });
  }
}
