import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { checkDatabases } from '../../src/contract/freshness/check.js';
import type { DatabaseStatus } from '../../src/contract/freshness/evaluate.js';
import type { FreshnessConfig, FreshnessDatabase } from '../../src/contract/freshness/function-environment.js';
import { evaluatePointInTimeRecovery } from '../../src/contract/freshness/point-in-time-recovery.js';
import { withRecoveryTime } from '../../src/contract/freshness/recovery-time.js';
import { METRIC_NAMESPACE } from '../../src/contract/metrics.js';
import { renderAlert, snsMessage } from './alert-message.js';
import { AlertStateStore, decideNotification, type Notification } from './alert-state.js';
import { FreshnessCheckError } from './errors.js';
import { metricData as metricDataOf } from './metric-data.js';
import { readRdsBackupState } from './rds-backup-state.js';

export interface FreshnessClients {
  readonly s3: S3Client;
  /** In the replica's region; required when the configuration names a replica. */
  readonly replicaS3?: S3Client;
  readonly cloudwatch: CloudWatchClient;
  readonly sns: SNSClient;
  readonly dynamodb: DynamoDBClient;
  /** Needed when a database has `pointInTimeRecovery` (an RDS instance whose automated backups are watched). */
  readonly rds?: RDSClient;
}

export interface FreshnessResult {
  readonly statuses: readonly DatabaseStatus[];
  /** The messages sent this run, by database. */
  readonly notified: readonly { readonly databaseId: string; readonly notification: Notification; readonly subject: string }[];
}

/**
 * One run of the freshness check: judge every configured database with the same module as
 * `pg-backup status`, publish its metrics, and tell people about changes of state.
 */
export async function runFreshnessCheck(config: FreshnessConfig, clients: FreshnessClients, now = new Date()): Promise<FreshnessResult> {
  if (config.replica && !clients.replicaS3)
    throw new FreshnessCheckError('the configuration names a replica but no S3 client for its region was given');
  const replica = config.replica && { s3: clients.replicaS3!, bucket: config.replica.bucket, maxLagSeconds: config.replica.maxLagSeconds };
  // Each database on its own: one unreadable pointer must not blind the check to the others.
  const settled = await Promise.allSettled(
    config.databases.map(async (d) =>
      withPointInTimeRecovery(
        withRecoveryTarget(
          (await checkDatabases(clients.s3, config.bucket, [{ databaseId: d.id, limits: d.limits }], now, replica))[0]!,
          d,
        ),
        d,
        clients,
        now,
      ),
    ),
  );
  const rejected = settled.flatMap((r, i) => (r.status === 'rejected' ? [{ databaseId: config.databases[i]!.id, reason: r.reason }] : []));
  const checked = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [{ status: r.value, database: config.databases[i]! }] : []));
  const statuses = checked.map((c) => c.status);

  // Metrics first: if alerting fails below, the alarms still see the data.
  const data: MetricDatum[] = statuses.flatMap((status) => metricDataOf(status, now));
  for (let i = 0; i < data.length; i += 500) {
    await clients.cloudwatch.send(new PutMetricDataCommand({ Namespace: METRIC_NAMESPACE, MetricData: data.slice(i, i + 500) }));
  }

  const store = new AlertStateStore(clients.dynamodb, config.stateTable);
  const notified: { databaseId: string; notification: Notification; subject: string }[] = [];
  for (const { status, database } of checked) {
    const previous = await store.get(status.databaseId);
    const { notification, next } = decideNotification(previous, status, now, config.reminderEverySeconds);
    if (notification) {
      const message = renderAlert({ config, database, status, notification, state: next, now });
      await clients.sns.send(
        new PublishCommand({ TopicArn: config.topicArn, Subject: message.subject, Message: snsMessage(message), MessageStructure: 'json' }),
      );
      notified.push({ databaseId: status.databaseId, notification, subject: message.subject });
    }
    // Remember only after the message went out, so a failed publish is retried next run.
    if (next !== previous) await store.put(next);
  }
  if (rejected.length > 0) {
    // Thrown after the others were handled, so the Lambda's Errors alarm reports it.
    const failures = rejected.map(({ databaseId, reason }) => `${databaseId}: ${(reason as Error).message}`);
    throw new FreshnessCheckError(`freshness check could not read ${failures.length} database(s): ${failures.join('; ')}`, {
      cause: rejected.length === 1 ? rejected[0]!.reason : new AggregateError(rejected.map((r) => r.reason)),
    });
  }
  return { statuses, notified };
}

/** The recovery the newest verification measured, against the database's RTO. */
function withRecoveryTarget(status: DatabaseStatus, database: FreshnessDatabase): DatabaseStatus {
  return database.targets ? withRecoveryTime(status, database.targets.rtoSeconds) : status;
}

/** The dump tier's judgement, and for an RDS instance its own point-in-time recovery's: one status, one alert state. */
async function withPointInTimeRecovery(
  status: DatabaseStatus,
  database: FreshnessDatabase,
  clients: FreshnessClients,
  now: Date,
): Promise<DatabaseStatus> {
  const watch = database.pointInTimeRecovery;
  if (!watch) return status;
  if (!clients.rds)
    throw new FreshnessCheckError(`${database.id} watches RDS instance ${watch.rdsInstance}, but the check has no RDS client`);
  const state = await readRdsBackupState(clients.rds, watch.rdsInstance).catch((error: unknown) => {
    throw new FreshnessCheckError(`DescribeDBInstances of ${watch.rdsInstance} failed: ${(error as Error).message}`, { cause: error });
  });
  const { facts, problems } = evaluatePointInTimeRecovery(database.id, watch, state, now);
  return { ...status, ok: status.ok && problems.length === 0, problems: [...status.problems, ...problems], pointInTimeRecovery: facts };
}
