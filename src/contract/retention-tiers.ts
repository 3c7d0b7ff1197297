/**
 * Grandfather-father-son retention: every backup is daily, weekly or monthly, and each tier is kept for its own
 * period. The dump tags each object of a backup with its tier at upload (`x-amz-tagging`, on PutObject and
 * CreateMultipartUpload); lifecycle rules filtered by the tag expire each tier (lib/storage/backup-bucket.ts);
 * replication copies the tag, so the replica follows the same tiers.
 *
 * The tier is decided once, when the dump starts, from its start time and the newest complete backup before it
 * (the latest pointer), both in UTC:
 * - monthly: the first backup of a calendar month (no earlier complete backup in that month);
 * - weekly: else the first backup of an ISO week (Monday to Sunday);
 * - daily: every other backup.
 * A dump that fails publishes nothing, so the next one that completes takes the tier. Without a readable pointer
 * (the first backup, a damaged pointer) a backup is monthly: in doubt, the longer period.
 */

export const RETENTION_TIER_TAG = 'backup-tier';

export type RetentionTier = 'daily' | 'weekly' | 'monthly';
export const RETENTION_TIERS: readonly RetentionTier[] = ['daily', 'weekly', 'monthly'];

/** The tier of a backup starting at `start`, after the newest complete backup that started at `previousStart`. */
export function retentionTierOf(start: Date, previousStart: Date | undefined): RetentionTier {
  if (!previousStart || monthOf(previousStart) !== monthOf(start)) return 'monthly';
  if (isoWeekOf(previousStart) !== isoWeekOf(start)) return 'weekly';
  return 'daily';
}

/** The `x-amz-tagging` value (URL query form) of a backup object of `tier`. */
export function retentionTagging(tier: RetentionTier): string {
  return `${RETENTION_TIER_TAG}=${tier}`;
}

function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** `2026-W48`: the ISO 8601 week (Monday first; week 1 holds the year's first Thursday), in UTC. */
export function isoWeekOf(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  // The Thursday of this week decides the week's year.
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
