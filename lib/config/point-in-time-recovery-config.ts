import type { ConfigProblems } from './problems.js';
import { checkTargetDuration, type TargetDuration, targetSeconds } from './target-duration.js';
import { checkWholeNumber } from './toolkit.js';

/**
 * What the freshness check expects of an RDS instance's own continuous backups (point-in-time recovery, the
 * tier that recovers to any second of the retention window): on, kept at least `minRetentionDays`, and its
 * latest restorable time no further behind than `maxLag`.
 */
export interface PointInTimeRecoveryConfig {
  /** Automated backups must be kept at least this many days (the instance's BackupRetentionPeriod): 1 to 35, RDS's range. */
  readonly minRetentionDays: number;
  /**
   * Alert when the instance's LatestRestorableTime lags behind now by more than this (RDS keeps it typically
   * within 5 minutes); 5 to 60 minutes.
   * @default { minutes: 15 }
   */
  readonly maxLag?: TargetDuration;
}

export const POINT_IN_TIME_RECOVERY_DEFAULTS = {
  minRetentionDays: 7,
  maxLag: { minutes: 15 },
} as const satisfies Required<PointInTimeRecoveryConfig>;

/** RDS keeps automated backups 1 to 35 days (0 turns them off). */
const RDS_RETENTION_RANGE = { min: 1, max: 35, unit: 'days', reason: "RDS's backup retention period" } as const;
const LAG_RANGE_SECONDS = { min: 300, max: 3600 };

/** Records every problem of a database's `pitr`; `rdsInstance` is the database's connection.rdsInstance, if any. */
export function validatePointInTimeRecovery(
  pitr: PointInTimeRecoveryConfig | false | undefined,
  rdsInstance: string | undefined,
  path: string,
  problems: ConfigProblems,
): void {
  if (pitr === undefined || pitr === false) return;
  if (typeof pitr !== 'object' || pitr === null) {
    problems.add(path, pitr, 'must be { minRetentionDays, maxLag? }, or false to leave point-in-time recovery unchecked');
    return;
  }
  if (rdsInstance === undefined) {
    problems.add(
      path,
      pitr,
      "applies only to a database found through RDS (connection.rdsInstance): the check reads the instance's automated backups",
    );
  }
  checkWholeNumber(pitr.minRetentionDays, RDS_RETENTION_RANGE, `${path}.minRetentionDays`, problems);
  if (pitr.maxLag !== undefined && checkTargetDuration(pitr.maxLag, `${path}.maxLag`, problems)) {
    const seconds = targetSeconds(pitr.maxLag);
    if (seconds < LAG_RANGE_SECONDS.min || seconds > LAG_RANGE_SECONDS.max) {
      problems.add(
        `${path}.maxLag`,
        pitr.maxLag,
        'must be from 5 to 60 minutes (RDS keeps the latest restorable time typically within 5 minutes; the check runs every 5 to 60)',
      );
    }
  }
}
