import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { readConfig } from './config.js';
import { type FreshnessResult, runFreshnessCheck } from './run-check.js';

/**
 * The scheduled freshness check (every 15 minutes by default). Logs one JSON line per database;
 * any failure is thrown, so the function's Errors metric, and its alarm, see it.
 */
export async function handler(): Promise<{ checked: number; problems: number; notified: number }> {
  const config = readConfig();
  // An emulator endpoint (tests, local runs) serves buckets by path, not by host name.
  const forcePathStyle = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const clients = {
    s3: new S3Client({ region: config.region, forcePathStyle }),
    ...(config.replica ? { replicaS3: new S3Client({ region: config.replica.region, forcePathStyle }) } : {}),
    cloudwatch: new CloudWatchClient({ region: config.region }),
    sns: new SNSClient({ region: config.region }),
    dynamodb: new DynamoDBClient({ region: config.region }),
    rds: new RDSClient({ region: config.region }),
  };
  const result: FreshnessResult = await runFreshnessCheck(config, clients);
  for (const status of result.statuses) {
    const sent = result.notified.find((n) => n.databaseId === status.databaseId);
    console.log(
      JSON.stringify({
        event: 'freshness',
        databaseId: status.databaseId,
        ok: status.ok,
        problems: status.problems.map((p) => p.summary),
        backupId: status.backup?.backupId,
        backupAgeSeconds: status.backup && Math.round(status.backup.ageSeconds),
        replicaLagSeconds: status.replica && Math.round(status.replica.lagSeconds),
        recoverySeconds: status.verification?.recoverySeconds,
        pointInTimeRecovery: status.pointInTimeRecovery,
        notified: sent?.notification,
      }),
    );
  }
  return {
    checked: result.statuses.length,
    problems: result.statuses.filter((s) => !s.ok).length,
    notified: result.notified.length,
  };
}
