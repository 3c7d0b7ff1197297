import { DATABASE_ID_PATTERN } from '../../src/contract/layout.js';
import { validateAlertsConfig } from './alerts-config.js';
import type { AppConfig } from './app-config.js';
import { AWS_COMMERCIAL_REGIONS } from './aws-regions.js';
import { validateDatabaseConfig } from './database-config.js';
import { validateJobsConfig } from './jobs-config.js';
import { validateMonitoringConfig } from './monitoring-config.js';
import { validateNetworkConfig } from './network-config.js';
import { ConfigProblems } from './problems.js';
import { validateStorageConfig } from './storage-config.js';

/**
 * Lower-case letters, digits and hyphens, 3 to 24 characters, starting with a letter: it prefixes stack
 * names and the bucket name `<appName>-backups-<account>-<region>`, which S3 caps at 63 characters.
 */
export const APP_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{1,22})[a-z0-9]$/;
export const ACCOUNT_PATTERN = /^\d{12}$/;

/** Every problem of a whole stage configuration, in field order; empty when it is valid. */
export function appConfigProblems(config: AppConfig): readonly string[] {
  return collectProblems(config).list();
}

/** Throws one InvalidConfigError listing every problem of `config`; `source` names where it came from. */
export function validateAppConfig(config: AppConfig, source: string): void {
  collectProblems(config).throwIfAny(source);
}

function collectProblems(config: AppConfig): ConfigProblems {
  const problems = new ConfigProblems();
  if (typeof config.appName !== 'string' || !APP_NAME_PATTERN.test(config.appName) || config.appName.includes('--')) {
    problems.add(
      'appName',
      config.appName,
      'must be 3 to 24 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen',
    );
  }
  if (typeof config.account !== 'string' || !ACCOUNT_PATTERN.test(config.account)) {
    problems.add('account', config.account, 'must be a 12-digit AWS account id (in quotes)');
  }
  for (const field of ['primaryRegion', 'replicaRegion'] as const) {
    if (!AWS_COMMERCIAL_REGIONS.includes(config[field])) {
      problems.add(field, config[field], 'must be an AWS commercial region like eu-west-1 (see lib/config/aws-regions.ts)');
    }
  }
  if (config.replicaRegion === config.primaryRegion) {
    problems.add(
      'replicaRegion',
      config.replicaRegion,
      'must differ from primaryRegion (a replica in the same region survives no regional outage)',
    );
  }
  validateStorageConfig(config.storage, 'storage', problems);
  validateAlertsConfig(config.alerts, 'alerts', problems);

  const databases = config.databases ?? [];
  if (databases.length === 0) problems.add('databases', databases, 'must list at least one database');
  const firstIndex = new Map<string, number>();
  databases.forEach((database, i) => {
    const at = `databases[${i}]`;
    if (typeof database.id !== 'string' || !DATABASE_ID_PATTERN.test(database.id)) {
      problems.add(`${at}.id`, database.id, 'must be 1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen');
    } else if (firstIndex.has(database.id)) {
      problems.add(`${at}.id`, database.id, `duplicates databases[${firstIndex.get(database.id)}].id (ids must be unique)`);
    } else {
      firstIndex.set(database.id, i);
    }
    validateDatabaseConfig(database, at, problems);
  });
  validateNetworkConfig(config.network, 'network', problems, {
    tasks: databases.some((d) => d.connection !== undefined),
    region: config.primaryRegion,
  });
  validateJobsConfig(config.jobs, 'jobs', problems);
  validateMonitoringConfig(config.monitoring, 'monitoring', problems);
  return problems;
}
