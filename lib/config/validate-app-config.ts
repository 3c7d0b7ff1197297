import { validateAccessConfig } from './access-config.js';
import { validateAlertsConfig } from './alerts-config.js';
import type { AppConfig } from './app-config.js';
import { AWS_COMMERCIAL_REGIONS } from './aws-regions.js';
import { validateDatabaseConfig, validateStartOffsets } from './database-config.js';
import { ID_RULES } from './id-rules.js';
import { JOBS_DEFAULTS, START_WINDOW_MINUTES, validateJobsConfig } from './jobs-config.js';
import { validateMonitoringConfig } from './monitoring-config.js';
import { validateNetworkConfig } from './network-config.js';
import { ConfigProblems } from './problems.js';
import { validateProtection, validateReplicaLocation } from './protection-config.js';
import { validateRecoveryTargets } from './recovery-targets.js';
import { validateReplicationConfig } from './replication-config.js';
import { resolveStorageConfig, validateStorageConfig } from './storage-config.js';
import { checkText, isWholeNumberIn } from './toolkit.js';

/** Every problem of a whole stage configuration, in field order; empty when it is valid. */
export function appConfigProblems(config: AppConfig, scope: ValidationScope = {}): readonly string[] {
  return collectProblems(config, scope).list();
}

export interface ValidationScope {
  /**
   * Only the vault stack is being synthesized (its first deploy): the vault's key ARN, which that deploy
   * creates, is not required yet.
   * @default false
   */
  readonly vaultFirst?: boolean;
}

/** Throws one InvalidConfigError listing every problem of `config`; `source` names where it came from. */
export function validateAppConfig(config: AppConfig, source: string, scope: ValidationScope = {}): void {
  collectProblems(config, scope).throwIfAny(source);
}

function collectProblems(config: AppConfig, scope: ValidationScope): ConfigProblems {
  const problems = new ConfigProblems();
  checkText(config.appName, ID_RULES.appName, 'appName', problems);
  checkText(config.account, ID_RULES.account, 'account', problems);
  if (!AWS_COMMERCIAL_REGIONS.includes(config.primaryRegion)) {
    problems.add('primaryRegion', config.primaryRegion, 'must be an AWS commercial region like eu-west-1 (see lib/config/aws-regions.ts)');
  }
  if (config.replicaRegion !== undefined && !AWS_COMMERCIAL_REGIONS.includes(config.replicaRegion)) {
    problems.add('replicaRegion', config.replicaRegion, 'must be an AWS commercial region like eu-west-1 (see lib/config/aws-regions.ts)');
  }
  validateReplicaLocation(config, problems);
  validateStorageConfig(config.storage, 'storage', problems);
  if (config.storage !== undefined) {
    validateProtection(config, resolveStorageConfig(config.storage).objectLock, config.storage.retentionDays, problems, scope);
  }
  validateReplicationConfig(config.replication, 'replication', problems);
  validateAlertsConfig(config.alerts, 'alerts', problems);

  const databases = config.databases ?? [];
  if (databases.length === 0) problems.add('databases', databases, 'must list at least one database');
  const firstIndex = new Map<string, number>();
  databases.forEach((database, i) => {
    const at = `databases[${i}]`;
    // Uniqueness is judged among well-formed ids only.
    if (checkText(database.id, ID_RULES.databaseId, `${at}.id`, problems)) {
      const first = firstIndex.get(database.id);
      if (first !== undefined) problems.add(`${at}.id`, database.id, `duplicates databases[${first}].id (ids must be unique)`);
      else firstIndex.set(database.id, i);
    }
    validateDatabaseConfig(database, at, problems);
    validateRecoveryTargets(database, at, config.monitoring, problems);
  });
  validateNetworkConfig(config.network, 'network', problems, {
    tasks: databases.some((d) => d.connection !== undefined),
    region: config.primaryRegion,
  });
  validateJobsConfig(config.jobs, 'jobs', problems);
  const startWindow = config.jobs?.startWindowMinutes ?? JOBS_DEFAULTS.startWindowMinutes;
  if (isWholeNumberIn(startWindow, START_WINDOW_MINUTES)) {
    databases.forEach((database, i) => {
      validateStartOffsets(database, `databases[${i}]`, startWindow, problems);
    });
  }
  validateMonitoringConfig(config.monitoring, 'monitoring', problems);
  validateAccessConfig(
    config.access,
    'access',
    { appName: config.appName, databaseIds: databases.map((d) => d.id).filter((id) => typeof id === 'string') },
    problems,
  );
  return problems;
}
