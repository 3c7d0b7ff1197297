import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { parseDuration } from '../../src/contract/freshness/duration.js';
import { type FreshnessLimits, type FreshnessLimitsText, parseLimits } from '../../src/contract/freshness/limits.js';
import { DATABASE_ID_RULE } from '../../src/contract/layout.js';
import { ID_RULES } from './id-rules.js';
import { checkLogRetentionDays, logRetention } from './log-retention.js';
import type { ConfigProblems } from './problems.js';

/**
 * How closely the backups are watched: the freshness limits (same syntax and parser as
 * `pg-backup status`), how often the check runs, how often an unresolved alert is repeated,
 * and per-database exceptions.
 */
export interface MonitoringConfig extends FreshnessLimitsText {
  /**
   * How often the freshness check runs: whole minutes, `5m` to `1h`.
   * @default 15m
   */
  readonly checkEvery?: string;
  /**
   * Repeat an alert that is still unresolved after this long; at least `checkEvery`.
   * @default 6h
   */
  readonly reminderEvery?: string;
  /**
   * Days the freshness check's logs are kept; one of CloudWatch Logs' retention periods.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Limits for single databases, by database id, over the ones above (e.g. a weekly
   * `maxBackupAge: '8d'` for an archive database).
   * @default - every database has the limits above
   */
  readonly databases?: Readonly<Record<string, FreshnessLimitsText>>;
}

/** MonitoringConfig with every default applied, in the types the constructs take. */
export interface ResolvedMonitoringConfig {
  /** The limits every database has unless `limitsFor` says otherwise, in seconds (the Lambda's contract). */
  readonly limits: FreshnessLimits;
  readonly checkEvery: Duration;
  readonly reminderEvery: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly limitsFor: (databaseId: string) => FreshnessLimits;
}

const DURATION_REQUIREMENT = 'must be a duration like 45s, 90m, 26h or 8d';

export const MONITORING_DEFAULTS = { checkEvery: '15m', reminderEvery: '6h', logRetentionDays: 90 } as const;

/** Records every problem of the `monitoring` section; `path` is its field path, like `monitoring`. */
export function validateMonitoringConfig(monitoring: MonitoringConfig | undefined, path: string, problems: ConfigProblems): void {
  if (monitoring === undefined) return;
  const limitFields = ['maxBackupAge', 'maxVerificationAge', 'sizeTolerance'] as const;
  const checkLimits = (text: FreshnessLimitsText, at: string) => {
    for (const field of limitFields) {
      const value = text[field];
      if (value === undefined) continue;
      try {
        parseLimits({ [field]: value });
      } catch {
        problems.add(`${at}.${field}`, value, field === 'sizeTolerance' ? 'must be a percentage like 30%' : DURATION_REQUIREMENT);
      }
    }
  };
  checkLimits(monitoring, path);

  const checkEvery = durationOrProblem(monitoring.checkEvery, `${path}.checkEvery`, problems);
  if (checkEvery !== undefined && (checkEvery % 60 !== 0 || checkEvery < 300 || checkEvery > 3600)) {
    problems.add(
      `${path}.checkEvery`,
      monitoring.checkEvery,
      'must be whole minutes from 5m to 1h (the alarms expect a data point at least every hour)',
    );
  }
  const reminderEvery = durationOrProblem(monitoring.reminderEvery, `${path}.reminderEvery`, problems);
  if (reminderEvery !== undefined && reminderEvery < (checkEvery ?? parseDuration(MONITORING_DEFAULTS.checkEvery))) {
    problems.add(
      `${path}.reminderEvery`,
      monitoring.reminderEvery,
      `must be at least checkEvery (${monitoring.checkEvery ?? MONITORING_DEFAULTS.checkEvery})`,
    );
  }
  if (monitoring.logRetentionDays !== undefined) checkLogRetentionDays(monitoring.logRetentionDays, `${path}.logRetentionDays`, problems);
  for (const [databaseId, limits] of Object.entries(monitoring.databases ?? {})) {
    if (!ID_RULES.databaseId.pattern.test(databaseId)) {
      problems.add(`${path}.databases`, databaseId, `keys must be database ids: ${DATABASE_ID_RULE}`);
    }
    checkLimits(limits, `${path}.databases.${databaseId}`);
  }
}

/** Defaults applied; call only on a configuration that passed validateMonitoringConfig. */
export function resolveMonitoringConfig(monitoring: MonitoringConfig = {}): ResolvedMonitoringConfig {
  const { checkEvery, reminderEvery, logRetentionDays, databases, ...limitsText } = monitoring;
  return {
    limits: parseLimits(limitsText),
    checkEvery: Duration.seconds(parseDuration(checkEvery ?? MONITORING_DEFAULTS.checkEvery)),
    reminderEvery: Duration.seconds(parseDuration(reminderEvery ?? MONITORING_DEFAULTS.reminderEvery)),
    logRetention: logRetention(logRetentionDays ?? MONITORING_DEFAULTS.logRetentionDays),
    limitsFor: (databaseId) => parseLimits({ ...limitsText, ...databases?.[databaseId] }),
  };
}

function durationOrProblem(value: string | undefined, field: string, problems: ConfigProblems): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value, field);
  } catch {
    problems.add(field, value, DURATION_REQUIREMENT);
    return undefined;
  }
}
