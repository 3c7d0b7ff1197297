import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { type AddPgBackupStacksOptions, pgBackupApp } from '../../../lib/pg-backup-app.js';

/** The example stage plus Slack, unless overridden. */
export const SLACK_CONFIG: AppConfig = {
  ...example,
  alerts: { emails: ['backup-alerts@example.com', 'dba@example.com'], slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCDEF' } },
};

/** The real app (cdk.json flags, cdk-nag packs) with only the storage stacks: no bundling, no image staging. */
export function storageApp(config: AppConfig = SLACK_CONFIG) {
  const options: AddPgBackupStacksOptions = { monitoring: false, jobsStack: false };
  return pgBackupApp(config, options);
}
