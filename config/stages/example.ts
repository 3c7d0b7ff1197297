import type { AppConfig } from '../../lib/config/app-config.js';

/**
 * The default stage: an example that synthesizes offline with no AWS credentials. Copy this file to
 * config/stages/<name>.ts, register it in config/stages/index.ts, and deploy with `-c stage=<name>`.
 */
export const example: AppConfig = {
  appName: 'pg-backup',
  account: '123456789012',
  primaryRegion: 'eu-west-1',
  replicaRegion: 'eu-central-1',
  storage: {
    retentionDays: 400,
    objectLock: { mode: 'GOVERNANCE', days: 35 },
    lifecycle: { infrequentAccessAfterDays: 30, archiveAfterDays: 90, archiveStorageClass: 'GLACIER', noncurrentVersionExpirationDays: 30 },
  },
  alerts: { emails: ['backup-alerts@example.com'] },
  databases: [{ id: 'orders-db' }],
};
