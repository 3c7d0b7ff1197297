import { formatDuration } from './duration.js';
import type { Problem } from './evaluate.js';

/**
 * The second recovery tier: an RDS instance's automated backups, which restore to any second of their retention
 * window (`aws rds restore-db-instance-to-point-in-time`). The freshness check reads the instance's state with
 * DescribeDBInstances and judges it here, beside the dump tier's judgement.
 */

/** What the stage expects of one instance (lib/config/point-in-time-recovery-config.ts). */
export interface PointInTimeRecoveryWatch {
  /** The DB instance identifier. */
  readonly rdsInstance: string;
  /** BackupRetentionPeriod must be at least this many days. */
  readonly minRetentionDays: number;
  /** LatestRestorableTime may lag behind now by at most this many seconds. */
  readonly maxLagSeconds: number;
}

/** The instance's automated-backup state, as DescribeDBInstances reports it. */
export interface RdsBackupState {
  /** BackupRetentionPeriod: 0 means automated backups, and point-in-time recovery, are off. */
  readonly retentionDays: number;
  /** LatestRestorableTime (ISO); absent while nothing is restorable. */
  readonly latestRestorableTime?: string;
  /** DBInstanceStatus, like `available` or `stopped`. */
  readonly status?: string;
}

export interface PointInTimeRecoveryFacts {
  readonly rdsInstance: string;
  /** False when the instance does not exist (or is not visible to the check). */
  readonly found: boolean;
  readonly retentionDays?: number;
  readonly latestRestorableTime?: string;
  /** Seconds between the latest restorable time and now. */
  readonly lagSeconds?: number;
  /** Every expectation met. */
  readonly ok: boolean;
}

/** Judges one instance's automated backups at `now`; `state` undefined means the instance was not found. Pure. */
export function evaluatePointInTimeRecovery(
  databaseId: string,
  watch: PointInTimeRecoveryWatch,
  state: RdsBackupState | undefined,
  now: Date,
): { readonly facts: PointInTimeRecoveryFacts; readonly problems: readonly Problem[] } {
  const instance = `RDS instance ${watch.rdsInstance}`;
  const restoreCommand = `aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier ${watch.rdsInstance} --target-db-instance-identifier ${watch.rdsInstance}-pitr --restore-time <ISO time>`;
  if (!state) {
    return {
      facts: { rdsInstance: watch.rdsInstance, found: false, ok: false },
      problems: [
        {
          kind: 'pitr-off',
          summary: `point-in-time recovery unknown: ${instance} not found`,
          detail: `${instance} of ${databaseId} does not exist (DescribeDBInstances found none): its automated backups cannot be checked. Was it deleted or renamed? Only pg-backup's dumps remain to recover from.`,
        },
      ],
    };
  }
  const lagSeconds = state.latestRestorableTime ? Math.max(0, (now.getTime() - Date.parse(state.latestRestorableTime)) / 1000) : undefined;
  const problems: Problem[] = [];
  if (state.retentionDays === 0) {
    problems.push({
      kind: 'pitr-off',
      summary: 'point-in-time recovery is OFF (backup retention 0 days)',
      detail: `${instance} of ${databaseId} keeps no automated backups (BackupRetentionPeriod 0): it cannot be restored to a point in time, only to pg-backup's last dump. Turn them on: aws rds modify-db-instance --db-instance-identifier ${watch.rdsInstance} --backup-retention-period ${watch.minRetentionDays} --apply-immediately`,
    });
  } else {
    if (state.retentionDays < watch.minRetentionDays) {
      problems.push({
        kind: 'pitr-short',
        summary: `point-in-time recovery keeps ${state.retentionDays} d (at least ${watch.minRetentionDays} d expected)`,
        detail: `${instance} of ${databaseId} keeps automated backups ${state.retentionDays} day(s); the stage expects at least ${watch.minRetentionDays}. Raise it: aws rds modify-db-instance --db-instance-identifier ${watch.rdsInstance} --backup-retention-period ${watch.minRetentionDays} --apply-immediately`,
      });
    }
    if (lagSeconds === undefined || lagSeconds > watch.maxLagSeconds) {
      problems.push({
        kind: 'pitr-lagging',
        summary:
          lagSeconds === undefined
            ? 'point-in-time recovery has no restorable time yet'
            : `point-in-time recovery lags ${formatDuration(lagSeconds)} (limit ${formatDuration(watch.maxLagSeconds)})`,
        detail: `${instance} of ${databaseId} can be restored up to ${state.latestRestorableTime ?? 'no time at all'}${lagSeconds !== undefined ? `, ${formatDuration(lagSeconds)} ago` : ''}; RDS keeps this typically within 5 minutes of now (limit ${formatDuration(watch.maxLagSeconds)}). Instance status: ${state.status ?? 'unknown'}. A point-in-time restore now would lose everything after it: ${restoreCommand}`,
        ...(state.latestRestorableTime
          ? { since: new Date(Date.parse(state.latestRestorableTime) + watch.maxLagSeconds * 1000).toISOString() }
          : {}),
      });
    }
  }
  return {
    facts: {
      rdsInstance: watch.rdsInstance,
      found: true,
      retentionDays: state.retentionDays,
      ...(state.latestRestorableTime ? { latestRestorableTime: state.latestRestorableTime } : {}),
      ...(lagSeconds !== undefined ? { lagSeconds } : {}),
      ok: problems.length === 0,
    },
    problems,
  };
}
