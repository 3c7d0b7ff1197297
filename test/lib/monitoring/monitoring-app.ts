import { readFileSync } from 'node:fs';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlertTopic } from '../../../lib/alerts/alert-topic.js';
import type { MonitoringConfig } from '../../../lib/config/monitoring-config.js';
import { type MonitoredDatabase, MonitoringStack } from '../../../lib/stacks/monitoring-stack.js';

const env = { account: '123456789012', region: 'eu-west-1' };

/**
 * An app with the project's feature flags (cdk.json) and cdk-nag, a stand-in storage stack that
 * provides what the real one does (bucket, key, alert topic), and the monitoring stack under test.
 */
export function monitoringApp(options: { databases?: MonitoredDatabase[]; monitoring?: MonitoringConfig; nag?: boolean } = {}) {
  const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: cdkJson.context });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const storage = new Stack(app, 'test-storage', { env });
  const backupKey = new kms.Key(storage, 'BackupKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const backupBucket = new s3.Bucket(storage, 'Backups', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: backupKey,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  Validations.of(backupBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'test stand-in for the storage stack' });
  const alerts = new AlertTopic(storage, 'Alerts', {
    appName: 'pg-backup',
    masterKey: backupKey,
    alerts: { emails: ['ops@example.com'] },
    chatbotConfigurationName: 'test-alerts',
  });

  const monitoring = new MonitoringStack(app, 'test-monitoring', {
    env,
    backupBucket,
    appName: 'pg-backup',
    breakGlassRoleName: 'pg-backup-break-glass',
    backupKey,
    alerts,
    databases: options.databases ?? [
      {
        id: 'orders-db',
        dumpNowCommand: 'aws ecs run-task --cluster c --task-definition dump-orders-db',
        logGroupName: '/pg-backup/orders-db',
      },
      { id: 'billing-db' },
    ],
    monitoring: options.monitoring,
    replica: { bucketName: 'pg-backup-backups-210987654321-eu-central-1', region: 'eu-central-1', maxLag: Duration.hours(3) },
  });
  return { app, storage, monitoring };
}
