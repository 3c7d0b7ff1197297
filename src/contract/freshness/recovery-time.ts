import { formatDuration } from './duration.js';
import type { DatabaseStatus, Problem, VerificationFacts } from './evaluate.js';

/**
 * The RTO judged from the newest verification: its whole measured recovery (download, checksum, roles,
 * pg_restore, ANALYZE, row counts, smoke queries) is what a restore of that backup takes, so one longer than
 * the target is a broken promise even while every backup is fresh and passes. Only a passed verification
 * measures a recovery; a record without the breakdown (an older CLI) measures nothing. The database's alarm
 * watches the same figure (RecoverySeconds): this problem is what puts it in the alert's words.
 */
export function evaluateRecoveryTime(databaseId: string, rtoSeconds: number, verification: VerificationFacts | undefined): Problem[] {
  const seconds = verification?.passed ? verification.recoverySeconds : undefined;
  if (seconds === undefined || seconds <= rtoSeconds) return [];
  return [
    {
      kind: 'recovery-slow',
      summary: `a recovery takes ${formatDuration(seconds)} (RTO ${formatDuration(rtoSeconds)})`,
      detail: `Verify restored backup ${verification!.backupId} of ${databaseId} at ${verification!.verifiedAt} in ${formatDuration(seconds)} from download to smoke queries; the database's RTO is ${formatDuration(rtoSeconds)}, so a restore now would take longer than promised. Give the verify and restore tasks more vCPU and a faster work volume, use RDS point-in-time recovery for recent data, or set a longer rto knowingly (docs/runbooks/README.md, "How long a recovery takes").`,
    },
  ];
}

/** `status` with the RTO judged on its newest verification: the freshness check's, and `pg-backup status --rto`'s. */
export function withRecoveryTime(status: DatabaseStatus, rtoSeconds: number): DatabaseStatus {
  const problems = evaluateRecoveryTime(status.databaseId, rtoSeconds, status.verification);
  return problems.length === 0 ? status : { ...status, ok: false, problems: [...status.problems, ...problems] };
}
