import { type BackupSummary, type LatestPointer, RECENT_HISTORY, type VerificationRecord } from '../manifest.js';
import { formatBytes, formatDuration } from './duration.js';
import { type FreshnessLimits, MIN_SIZE_BASELINE } from './limits.js';
import type { PointInTimeRecoveryFacts } from './point-in-time-recovery.js';
import type { DatabasePointers } from './pointers.js';
import type { ReplicaCopies } from './replica-copies.js';

/** Every way a database can break its limits. The set of kinds is the alert state. */
export type ProblemKind =
  | 'no-backup'
  | 'backup-stale'
  | 'verification-failed'
  | 'verification-stale'
  | 'never-verified'
  | 'size-anomaly'
  | 'replica-behind'
  // The newest verification's whole recovery took longer than the RTO (recovery-time.ts).
  | 'recovery-slow'
  // The RDS instance's own point-in-time recovery (point-in-time-recovery.ts): off or missing, kept too short, lagging.
  | 'pitr-off'
  | 'pitr-short'
  | 'pitr-lagging';

export interface Problem {
  readonly kind: ProblemKind;
  /** One line for a subject or a table: "newest backup is 31 h old (limit 26 h)". */
  readonly summary: string;
  /** The same with the facts behind it, for an alert body. */
  readonly detail: string;
  /** When the limit was first broken, where the documents tell (ISO time). */
  readonly since?: string;
}

export interface BackupFacts {
  readonly backupId: string;
  readonly finishedAt: string;
  readonly ageSeconds: number;
  readonly storedBytes: number;
  readonly durationSeconds: number;
}

export interface SizeFacts {
  /** Median stored bytes of the previous backups (up to RECENT_HISTORY of them). */
  readonly medianBytes: number;
  readonly baselineCount: number;
  /** (newest - median) / median: -0.45 is 45 % smaller. */
  readonly deviation: number;
}

export interface VerificationFacts {
  readonly backupId: string;
  readonly verifiedAt: string;
  readonly ageSeconds: number;
  readonly passed: boolean;
  readonly restoreSeconds?: number;
  /** The whole recovery the verification measured (download to row counts), when its record has it. */
  readonly recoverySeconds?: number;
  readonly mismatches: readonly string[];
}

export interface ReplicaFacts {
  readonly bucket: string;
  /** The newest backup whose copy is complete; absent when none of the backups the pointer knows is copied. */
  readonly newestCopiedBackupId?: string;
  /** How long the oldest uncopied backup has waited for its copy (0 when the newest is copied). */
  readonly lagSeconds: number;
  readonly missingBackupIds: readonly string[];
}

export interface DatabaseStatus {
  readonly databaseId: string;
  readonly checkedAt: string;
  readonly limits: FreshnessLimits;
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  readonly backup?: BackupFacts;
  /** Present when there are enough earlier backups for a baseline. */
  readonly size?: SizeFacts;
  readonly verification?: VerificationFacts;
  /** Present when the replica is watched and there is a backup to look for. */
  readonly replica?: ReplicaFacts;
  /**
   * How long the data has gone without a verification: the verification's age, or, when none
   * exists, the age of the oldest backup the pointer knows (a lower bound). Absent without backups.
   */
  readonly unverifiedSeconds?: number;
  /** The newest backup that is not known to be bad: what to restore from. */
  readonly newestGoodBackup?: { readonly backupId: string; readonly finishedAt: string; readonly verified: boolean };
  /** The RDS instance's own point-in-time recovery, where the check watches it (its problems are among `problems`). */
  readonly pointInTimeRecovery?: PointInTimeRecoveryFacts;
}

/** Judges one database from its pointer documents at `now`. Pure: no I/O, so every rule is testable alone. */
export function evaluateDatabase(input: DatabasePointers, limits: FreshnessLimits, now: Date): DatabaseStatus {
  const { databaseId, pointer, verification } = input;
  const base = { databaseId, checkedAt: now.toISOString(), limits };
  if (!pointer) {
    const problems: Problem[] = [
      {
        kind: 'no-backup',
        summary: 'no backup exists',
        detail: `There is no backup of ${databaseId} at all: databases/${databaseId}/latest.json does not exist, so no dump has ever completed (or the bucket is wrong).`,
      },
    ];
    return { ...base, ok: false, problems, verification: verification && verificationFacts(verification, now) };
  }

  const problems: Problem[] = [];
  const backup = backupFacts(pointer.latest, now);
  if (backup.ageSeconds > limits.maxBackupAgeSeconds) {
    problems.push({
      kind: 'backup-stale',
      summary: `newest backup is ${formatDuration(backup.ageSeconds)} old (limit ${formatDuration(limits.maxBackupAgeSeconds)})`,
      detail: `The newest successful backup of ${databaseId} (${backup.backupId}) finished at ${backup.finishedAt}, ${formatDuration(backup.ageSeconds)} ago; the limit is ${formatDuration(limits.maxBackupAgeSeconds)}. Dumps have stopped or are failing.`,
      since: addSeconds(backup.finishedAt, limits.maxBackupAgeSeconds),
    });
  }

  const size = sizeFacts(pointer);
  if (size && Math.abs(size.deviation) > limits.sizeTolerance) {
    const direction = size.deviation < 0 ? 'smaller' : 'larger';
    const percent = Math.round(Math.abs(size.deviation) * 100);
    problems.push({
      kind: 'size-anomaly',
      summary: `newest backup is ${percent}% ${direction} than usual (${formatBytes(backup.storedBytes)} vs median ${formatBytes(size.medianBytes)})`,
      detail: `Backup ${backup.backupId} of ${databaseId} stored ${formatBytes(backup.storedBytes)} (${backup.storedBytes} bytes), ${percent}% ${direction} than the median ${formatBytes(size.medianBytes)} of the ${size.baselineCount} backups before it (tolerance ${Math.round(limits.sizeTolerance * 100)}%). Check for dropped or truncated tables, or a bulk load.`,
      since: backup.finishedAt,
    });
  }

  const verified = verification && verificationFacts(verification, now);
  if (verified && !verified.passed) {
    const shown = verified.mismatches.slice(0, 5);
    const more = verified.mismatches.length - shown.length;
    problems.push({
      kind: 'verification-failed',
      summary: `verification of backup ${verified.backupId} FAILED`,
      detail: `The newest verification of ${databaseId} (backup ${verified.backupId}, at ${verified.verifiedAt}) failed: ${shown.length > 0 ? shown.join('; ') : 'no detail recorded'}${more > 0 ? `; and ${more} more` : ''}.`,
      since: verified.verifiedAt,
    });
  }
  if (verified && verified.ageSeconds > limits.maxVerificationAgeSeconds) {
    problems.push({
      kind: 'verification-stale',
      summary: `newest verification is ${formatDuration(verified.ageSeconds)} old (limit ${formatDuration(limits.maxVerificationAgeSeconds)})`,
      detail: `The newest restore test of ${databaseId} ran at ${verified.verifiedAt}, ${formatDuration(verified.ageSeconds)} ago; the limit is ${formatDuration(limits.maxVerificationAgeSeconds)}. Verify tasks have stopped or are failing before they record a result.`,
      since: addSeconds(verified.verifiedAt, limits.maxVerificationAgeSeconds),
    });
  }

  // Without any verification, a new database gets the verification limit as a grace period,
  // counted from the oldest backup we know of.
  const oldest = [pointer.latest, ...pointer.previous].reduce((a, b) => (Date.parse(b.finishedAt) < Date.parse(a.finishedAt) ? b : a));
  const oldestAge = ageSeconds(oldest.finishedAt, now);
  if (!verified && oldestAge > limits.maxVerificationAgeSeconds) {
    problems.push({
      kind: 'never-verified',
      summary: `never verified (backups exist for ${formatDuration(oldestAge)}, limit ${formatDuration(limits.maxVerificationAgeSeconds)})`,
      detail: `No backup of ${databaseId} has ever been restore-tested (databases/${databaseId}/latest-verification.json does not exist), although backups go back at least to ${oldest.finishedAt}. Until a verification passes, nobody knows whether these backups restore.`,
      since: addSeconds(oldest.finishedAt, limits.maxVerificationAgeSeconds),
    });
  }

  const replica = input.replica && replicaFacts(input.replica, now);
  if (replica && input.replica && replica.lagSeconds > input.replica.maxLagSeconds) {
    const oldestMissing = input.replica.missing[0]!;
    const copied = replica.newestCopiedBackupId
      ? `its newest complete copy is ${replica.newestCopiedBackupId}`
      : `none of the ${replica.missingBackupIds.length} backups the pointer knows has a complete copy there`;
    problems.push({
      kind: 'replica-behind',
      summary: `copy in the replica is ${formatDuration(replica.lagSeconds)} behind (limit ${formatDuration(input.replica.maxLagSeconds)})`,
      detail: `Backup ${oldestMissing.backupId} of ${databaseId} finished at ${oldestMissing.finishedAt}, ${formatDuration(replica.lagSeconds)} ago, and its dump is still not in s3://${replica.bucket} at its full size; ${copied}. Replication has stopped or is failing (a changed key, key policy or bucket policy, or the replication role): if this region is lost now, the newer backups are lost with it.`,
      since: addSeconds(oldestMissing.finishedAt, input.replica.maxLagSeconds),
    });
  }

  const latestFailed = verified && !verified.passed && verified.backupId === backup.backupId;
  const fallback = pointer.previous[0];
  const newestGoodBackup = !latestFailed
    ? {
        backupId: backup.backupId,
        finishedAt: backup.finishedAt,
        verified: Boolean(verified?.passed && verified.backupId === backup.backupId),
      }
    : fallback && { backupId: fallback.backupId, finishedAt: fallback.finishedAt, verified: false };

  return {
    ...base,
    ok: problems.length === 0,
    problems,
    backup,
    size,
    verification: verified,
    ...(replica ? { replica } : {}),
    unverifiedSeconds: verified ? verified.ageSeconds : oldestAge,
    newestGoodBackup,
  };
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function backupFacts(latest: BackupSummary, now: Date): BackupFacts {
  return {
    backupId: latest.backupId,
    finishedAt: latest.finishedAt,
    ageSeconds: ageSeconds(latest.finishedAt, now),
    storedBytes: latest.storedBytes,
    durationSeconds: latest.durationSeconds,
  };
}

function sizeFacts(pointer: LatestPointer): SizeFacts | undefined {
  const baseline = pointer.previous.slice(0, RECENT_HISTORY);
  if (baseline.length < MIN_SIZE_BASELINE) return undefined;
  const medianBytes = median(baseline.map((b) => b.storedBytes));
  if (medianBytes <= 0) return undefined;
  return { medianBytes, baselineCount: baseline.length, deviation: (pointer.latest.storedBytes - medianBytes) / medianBytes };
}

function replicaFacts(copies: ReplicaCopies, now: Date): ReplicaFacts {
  const oldestMissing = copies.missing[0];
  return {
    bucket: copies.bucket,
    ...(copies.newestCopied ? { newestCopiedBackupId: copies.newestCopied.backupId } : {}),
    lagSeconds: oldestMissing ? ageSeconds(oldestMissing.finishedAt, now) : 0,
    missingBackupIds: copies.missing.map((m) => m.backupId),
  };
}

function verificationFacts(record: VerificationRecord, now: Date): VerificationFacts {
  return {
    backupId: record.backupId,
    verifiedAt: record.verifiedAt,
    ageSeconds: ageSeconds(record.verifiedAt, now),
    passed: record.passed,
    restoreSeconds: record.restoreSeconds,
    ...(record.recovery ? { recoverySeconds: record.recovery.totalSeconds } : {}),
    mismatches: record.mismatches,
  };
}

function ageSeconds(iso: string, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(iso)) / 1000);
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}
