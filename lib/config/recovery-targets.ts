import { formatDuration, parseDuration } from '../../src/contract/freshness/duration.js';
import { DEFAULT_LIMITS_TEXT } from '../../src/contract/freshness/limits.js';
import type { PointInTimeRecoveryWatch } from '../../src/contract/freshness/point-in-time-recovery.js';
import type { RecoveryTargets } from '../../src/contract/recovery-targets.js';
import { type CronGap, CronGapError, longestCronGap } from './cron-gaps.js';
import { DATABASE_DEFAULTS, type DatabaseConfig } from './database-config.js';
import type { MonitoringConfig } from './monitoring-config.js';
import { POINT_IN_TIME_RECOVERY_DEFAULTS, validatePointInTimeRecovery } from './point-in-time-recovery-config.js';
import type { ConfigProblems } from './problems.js';
import { checkTargetDuration, type TargetDuration, targetSeconds } from './target-duration.js';
import { withDefaults } from './toolkit.js';

/*
 * A database's recovery targets and what follows from them:
 * - RPO, the data a recovery may lose: the dump schedule's longest gap between two runs, plus a margin for the
 *   dump to finish, must fit in it. Without `rpo`, the RPO is what the freshness check enforces (a daily dump:
 *   24 h plus 2 h, as before targets existed).
 * - The freshness limit (the newest backup's age that alerts): the longest gap plus the margin, so an hourly
 *   database alerts after 75 minutes, not 26 hours; a monitoring-only database (no schedule here) alerts at its RPO.
 *   `monitoring.maxBackupAge` (stage-wide or per database) still overrides it, and may not exceed the RPO.
 * - RTO, how long a recovery may take: verify measures a whole recovery; an alarm fires above it.
 * - For an RDS instance, its point-in-time recovery (on unless `pitr: false`).
 */

/** Without `rto`: a dump-tier recovery of the 50 GB the verify task is sized for takes well under this. */
export const DEFAULT_RTO: TargetDuration = { hours: 4 };

/** Time for a scheduled dump to finish and be seen: 1/12 of the gap, at least 15 minutes, at most 2 hours (a daily dump: 2 h). */
export function rpoMarginSeconds(gapSeconds: number): number {
  return Math.min(7200, Math.max(900, Math.round(gapSeconds / 12)));
}

export interface ResolvedRecoveryTargets extends RecoveryTargets {
  /** The dump schedule's longest gap and the margin after it; absent for a database without tasks here. */
  readonly dumpGap?: CronGap & { readonly marginSeconds: number };
  /** The newest backup may be this old before the freshness check alerts. */
  readonly maxBackupAgeSeconds: number;
  /** The RDS instance's automated backups to watch; absent without rdsInstance, or with `pitr: false`. */
  readonly pointInTimeRecovery?: PointInTimeRecoveryWatch;
}

/** Defaults applied; call only on a configuration that passed validation. */
export function resolveRecoveryTargets(database: DatabaseConfig, monitoring: MonitoringConfig = {}): ResolvedRecoveryTargets {
  const dumpGap = scheduleGap(database);
  const explicitMaxAge = explicitMaxBackupAge(database.id, monitoring);
  const maxBackupAgeSeconds =
    explicitMaxAge?.seconds ??
    (dumpGap
      ? dumpGap.seconds + dumpGap.marginSeconds
      : database.rpo
        ? targetSeconds(database.rpo)
        : parseDuration(DEFAULT_LIMITS_TEXT.maxBackupAge));
  const rdsInstance = database.connection && 'rdsInstance' in database.connection ? database.connection.rdsInstance : undefined;
  const pitr = database.pitr === false ? undefined : withDefaults(POINT_IN_TIME_RECOVERY_DEFAULTS, database.pitr);
  return {
    rpoSeconds: database.rpo ? targetSeconds(database.rpo) : maxBackupAgeSeconds,
    rtoSeconds: targetSeconds(database.rto ?? DEFAULT_RTO),
    ...(dumpGap ? { dumpGap } : {}),
    maxBackupAgeSeconds,
    ...(rdsInstance && pitr
      ? { pointInTimeRecovery: { rdsInstance, minRetentionDays: pitr.minRetentionDays, maxLagSeconds: targetSeconds(pitr.maxLag) } }
      : {}),
  };
}

/** Records every problem of one database's targets, and how they fit its schedule and the monitoring limits. */
export function validateRecoveryTargets(
  database: DatabaseConfig,
  path: string,
  monitoring: MonitoringConfig | undefined,
  problems: ConfigProblems,
): void {
  const rpoOk = database.rpo !== undefined && checkTargetDuration(database.rpo, `${path}.rpo`, problems);
  if (database.rto !== undefined) checkTargetDuration(database.rto, `${path}.rto`, problems);
  const rdsInstance = (database.connection as { rdsInstance?: string } | undefined)?.rdsInstance;
  validatePointInTimeRecovery(database.pitr, rdsInstance, `${path}.pitr`, problems);

  let gap: ReturnType<typeof scheduleGap>;
  const schedule = database.connection ? withDefaults(DATABASE_DEFAULTS.dumpSchedule, database.dumpSchedule) : undefined;
  try {
    gap = scheduleGap(database);
  } catch (error) {
    // A cron the schedule check already refused is reported there; this is one it accepts but no gap can be read from.
    if (!(error instanceof CronGapError)) return;
    const fields = schedule?.cron.trim().split(' ') ?? [];
    if (fields.length === 6 && (fields[2] === '?') !== (fields[4] === '?')) {
      problems.add(
        `${path}.dumpSchedule.cron`,
        schedule?.cron,
        `${error.message}: its longest gap, which must fit the RPO, cannot be read`,
      );
    }
    return;
  }
  const rpoSeconds = rpoOk ? targetSeconds(database.rpo!) : undefined;
  if (gap && rpoSeconds !== undefined && gap.seconds + gap.marginSeconds > rpoSeconds) {
    problems.add(
      `${path}.rpo`,
      database.rpo,
      `must be at least the dump schedule's longest gap plus a margin for the dump to finish (${formatDuration(gap.seconds + gap.marginSeconds)}: ` +
        `\`${path}.dumpSchedule\` '${schedule!.cron}' (${schedule!.timeZone}) runs up to ${formatDuration(gap.seconds)} apart${gap.clockShiftSeconds > 0 ? ' across a clock change' : ''}, plus ${formatDuration(gap.marginSeconds)}); dump more often or raise the RPO`,
    );
  }

  const explicit = monitoring && explicitMaxBackupAge(database.id, monitoring, true);
  if (explicit) {
    if (rpoSeconds !== undefined && explicit.seconds > rpoSeconds) {
      problems.add(
        explicit.field,
        explicit.text,
        `must not exceed the RPO of ${database.id} (\`${path}.rpo\`: ${formatDuration(rpoSeconds)}): an alert after the target is broken comes too late`,
      );
    }
    if (gap && explicit.seconds < gap.seconds) {
      problems.add(
        explicit.field,
        explicit.text,
        `must be at least the longest gap of ${database.id}'s dump schedule (${formatDuration(gap.seconds)}), or it alerts between two scheduled dumps`,
      );
    }
  }
}

/** The longest gap of the database's dump schedule and its margin; undefined for a database without tasks. Throws CronGapError. */
function scheduleGap(database: DatabaseConfig): ResolvedRecoveryTargets['dumpGap'] {
  if (!database.connection) return undefined;
  const schedule = withDefaults(DATABASE_DEFAULTS.dumpSchedule, database.dumpSchedule);
  const gap = longestCronGap(schedule.cron, schedule.timeZone);
  return { ...gap, marginSeconds: rpoMarginSeconds(gap.seconds) };
}

/** A maxBackupAge the stage sets for this database (its own, else the stage-wide one); undefined if none, or unparsable when `lenient`. */
function explicitMaxBackupAge(
  databaseId: string,
  monitoring: MonitoringConfig,
  lenient = false,
): { seconds: number; field: string; text: string } | undefined {
  const own = monitoring.databases?.[databaseId]?.maxBackupAge;
  const text = own ?? monitoring.maxBackupAge;
  if (text === undefined) return undefined;
  const field = own !== undefined ? `monitoring.databases.${databaseId}.maxBackupAge` : 'monitoring.maxBackupAge';
  try {
    return { seconds: parseDuration(text, field), field, text };
  } catch (error) {
    if (lenient) return undefined;
    throw error;
  }
}
