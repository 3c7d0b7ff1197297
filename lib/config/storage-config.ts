import type { RetentionTier } from '../../src/contract/retention-tiers.js';
import type { ConfigProblems } from './problems.js';
import { checkOneOf, checkWholeNumber, withDefaults } from './toolkit.js';

/** How Object Lock protects every new object version by default. */
export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';
/** The archive storage class backups move to after the infrequent-access class. */
export type ArchiveStorageClass = 'GLACIER' | 'DEEP_ARCHIVE';

export const OBJECT_LOCK_MODES: readonly ObjectLockMode[] = ['GOVERNANCE', 'COMPLIANCE'];
export const ARCHIVE_STORAGE_CLASSES: readonly ArchiveStorageClass[] = ['GLACIER', 'DEEP_ARCHIVE'];

/** S3's rules: STANDARD_IA no earlier than 30 days after creation, 30 days in STANDARD_IA before an archive class. */
export const S3_MIN_DAYS_BEFORE_INFREQUENT_ACCESS = 30;
export const S3_MIN_DAYS_IN_INFREQUENT_ACCESS = 30;
/** Minimum storage duration of each archive class (deleting earlier is billed as if stored that long). */
export const ARCHIVE_MINIMUM_DAYS: Readonly<Record<ArchiveStorageClass, number>> = { GLACIER: 90, DEEP_ARCHIVE: 180 };

export interface ObjectLockConfig {
  /**
   * GOVERNANCE: users with s3:BypassGovernanceRetention can still delete early (recoverable mistakes);
   * COMPLIANCE: nobody, not even the root user, can delete a version before its retention ends.
   */
  readonly mode: ObjectLockMode;
  /** Default retention of every new object version, in days. */
  readonly days: number;
}

export interface LifecycleConfig {
  /**
   * Days after upload a backup moves to STANDARD_IA; at least 30 (an S3 minimum).
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Days after upload a backup moves to the archive class; at least 30 days after `infrequentAccessAfterDays`.
   * @default 90
   */
  readonly archiveAfterDays?: number;
  /**
   * The archive class.
   * @default GLACIER (Glacier Flexible Retrieval)
   */
  readonly archiveStorageClass?: ArchiveStorageClass;
  /**
   * Days a version is kept after it stopped being current (overwritten pointer, expired backup).
   * @default 30
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * Grandfather-father-son: the first backup of each ISO week, and of each calendar month (UTC), kept longer than
 * the daily ones (src/contract/retention-tiers.ts says how the dump decides). Each period is at least the one
 * before it.
 */
export interface RetentionTiersConfig {
  /**
   * Days a weekly backup stays current before it expires.
   * @default - `retentionDays` (kept like a daily one)
   */
  readonly weeklyDays?: number;
  /**
   * Days a monthly backup stays current before it expires. Objects without a tier (verification records, safety
   * dumps, backups written before tiers) expire after this too: the longest period.
   * @default - `weeklyDays`
   */
  readonly monthlyDays?: number;
}

/** Retention, immutability and cost tiers of the backup buckets (both regions). */
export interface StorageConfig {
  /** Days a (daily) backup stays current before it expires; at least the Object Lock period. */
  readonly retentionDays: number;
  /** @default - weekly and monthly backups kept as long as daily ones (`retentionDays`) */
  readonly retentionTiers?: RetentionTiersConfig;
  /** @default - GOVERNANCE mode, 35 days */
  readonly objectLock?: ObjectLockConfig;
  /** @default - STANDARD_IA after 30 days, GLACIER after 90, noncurrent versions kept 30 days */
  readonly lifecycle?: LifecycleConfig;
}

/** StorageConfig with every default applied. */
export interface ResolvedStorageConfig {
  /** Days a daily backup stays current. */
  readonly retentionDays: number;
  /** Days each tier of backup stays current (daily is `retentionDays`); monthly is the longest. */
  readonly tierDays: Readonly<Record<RetentionTier, number>>;
  readonly objectLock: ObjectLockConfig;
  readonly lifecycle: Required<LifecycleConfig>;
}

export const STORAGE_DEFAULTS = {
  objectLock: { mode: 'GOVERNANCE', days: 35 },
  lifecycle: { infrequentAccessAfterDays: 30, archiveAfterDays: 90, archiveStorageClass: 'GLACIER', noncurrentVersionExpirationDays: 30 },
} as const satisfies { objectLock: ObjectLockConfig; lifecycle: Required<LifecycleConfig> };

export function resolveStorageConfig(storage: StorageConfig): ResolvedStorageConfig {
  const weekly = storage.retentionTiers?.weeklyDays ?? storage.retentionDays;
  const monthly = storage.retentionTiers?.monthlyDays ?? weekly;
  return {
    retentionDays: storage.retentionDays,
    tierDays: { daily: storage.retentionDays, weekly, monthly },
    objectLock: storage.objectLock ?? STORAGE_DEFAULTS.objectLock,
    lifecycle: withDefaults<LifecycleConfig>(STORAGE_DEFAULTS.lifecycle, storage.lifecycle),
  };
}

/** Records every problem of the `storage` section; `path` is its field path, like `storage`. */
export function validateStorageConfig(storage: StorageConfig | undefined, path: string, problems: ConfigProblems): void {
  if (storage === undefined) {
    problems.add(path, undefined, 'is required (at least retentionDays)');
    return;
  }
  const retentionOk = wholeDays(storage.retentionDays, `${path}.retentionDays`, problems);
  const lock = storage.objectLock ?? STORAGE_DEFAULTS.objectLock;
  checkOneOf(lock.mode, OBJECT_LOCK_MODES, `${path}.objectLock.mode`, problems);
  const lockOk = wholeDays(lock.days, `${path}.objectLock.days`, problems);
  if (retentionOk && lockOk && storage.retentionDays < lock.days) {
    problems.add(
      `${path}.retentionDays`,
      storage.retentionDays,
      `must be at least the Object Lock period (\`${path}.objectLock.days\`: ${lock.days} days)`,
    );
  }

  validateRetentionTiers(storage, path, lockOk ? lock.days : undefined, problems);

  const lifecycle = resolveStorageConfig({ ...storage, objectLock: lock }).lifecycle;
  const at = `${path}.lifecycle`;
  const iaOk = wholeDays(lifecycle.infrequentAccessAfterDays, `${at}.infrequentAccessAfterDays`, problems);
  const archiveOk = wholeDays(lifecycle.archiveAfterDays, `${at}.archiveAfterDays`, problems);
  wholeDays(lifecycle.noncurrentVersionExpirationDays, `${at}.noncurrentVersionExpirationDays`, problems);
  const classOk = checkOneOf(lifecycle.archiveStorageClass, ARCHIVE_STORAGE_CLASSES, `${at}.archiveStorageClass`, problems);

  if (iaOk && lifecycle.infrequentAccessAfterDays < S3_MIN_DAYS_BEFORE_INFREQUENT_ACCESS) {
    problems.add(
      `${at}.infrequentAccessAfterDays`,
      lifecycle.infrequentAccessAfterDays,
      `must be at least ${S3_MIN_DAYS_BEFORE_INFREQUENT_ACCESS} (S3's minimum before STANDARD_IA)`,
    );
  }
  if (iaOk && archiveOk && lifecycle.archiveAfterDays < lifecycle.infrequentAccessAfterDays + S3_MIN_DAYS_IN_INFREQUENT_ACCESS) {
    problems.add(
      `${at}.archiveAfterDays`,
      lifecycle.archiveAfterDays,
      `must be at least ${S3_MIN_DAYS_IN_INFREQUENT_ACCESS} days after infrequentAccessAfterDays (${lifecycle.infrequentAccessAfterDays}): S3 keeps objects in STANDARD_IA that long before an archive class`,
    );
  }
  if (retentionOk && archiveOk && classOk) {
    const minimum = ARCHIVE_MINIMUM_DAYS[lifecycle.archiveStorageClass];
    if (storage.retentionDays < lifecycle.archiveAfterDays + minimum) {
      problems.add(
        `${path}.retentionDays`,
        storage.retentionDays,
        `must be at least archiveAfterDays + ${minimum} (${lifecycle.archiveAfterDays + minimum}): ${lifecycle.archiveStorageClass} bills ${minimum} days at least`,
      );
    }
  }
}

/** Each tier's period: whole days, at least the Object Lock period (an expiry inside the lock cannot happen) and the tier before it. */
function validateRetentionTiers(storage: StorageConfig, path: string, lockDays: number | undefined, problems: ConfigProblems): void {
  const tiers = storage.retentionTiers;
  if (tiers === undefined) return;
  const at = `${path}.retentionTiers`;
  let shorter: { field: string; days: number } | undefined = Number.isInteger(storage.retentionDays)
    ? { field: `${path}.retentionDays`, days: storage.retentionDays }
    : undefined;
  for (const name of ['weeklyDays', 'monthlyDays'] as const) {
    const days = tiers[name];
    if (days === undefined) continue;
    const field = `${at}.${name}`;
    if (!wholeDays(days, field, problems)) continue;
    if (lockDays !== undefined && days < lockDays) {
      problems.add(
        field,
        days,
        `must be at least the Object Lock period (\`${path}.objectLock.days\`: ${lockDays} days): S3 cannot expire a locked backup`,
      );
    } else if (shorter && days < shorter.days) {
      problems.add(
        field,
        days,
        `must be at least \`${shorter.field}\` (${shorter.days} days): a ${name.replace('Days', '')} backup is kept at least as long as the tier below it`,
      );
    }
    shorter = { field, days };
  }
}

function wholeDays(value: unknown, field: string, problems: ConfigProblems): value is number {
  return checkWholeNumber(value, { min: 1, max: 36_500, unit: 'days' }, field, problems);
}
