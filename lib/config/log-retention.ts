import * as logs from 'aws-cdk-lib/aws-logs';
import type { ConfigProblems } from './problems.js';
import { checkOneOf } from './toolkit.js';

/** The retention periods CloudWatch Logs accepts, in days: CDK's RetentionDays without INFINITE (logs are never kept forever). */
export const LOG_RETENTION_DAYS: readonly logs.RetentionDays[] = Object.values(logs.RetentionDays).filter(
  (days): days is logs.RetentionDays => typeof days === 'number' && days !== logs.RetentionDays.INFINITE,
);

/** Records a problem unless `days` is one of LOG_RETENTION_DAYS. */
export function checkLogRetentionDays(days: unknown, field: string, problems: ConfigProblems): days is logs.RetentionDays {
  return checkOneOf(days, LOG_RETENTION_DAYS, field, problems);
}

/** The RetentionDays member of a validated number of days. */
export function logRetention(days: number): logs.RetentionDays {
  const retention = LOG_RETENTION_DAYS.find((d) => d === days);
  if (retention === undefined) throw new Error(`${days} days is not a CloudWatch Logs retention period: validate the config first`);
  return retention;
}
