import { Duration } from 'aws-cdk-lib';
import { formatDuration, parseDuration } from '../../src/contract/freshness/duration.js';
import type { ConfigProblems } from './problems.js';

/**
 * How closely the second copy (the vault, or the replica region of a trial) is watched. Replication
 * metrics are always on; the limit drives the latency alarm and the freshness check's replica lag.
 */
export interface ReplicationConfig {
  /**
   * How long a backup may exist in the primary bucket without its copy: the replication latency alarm and
   * the freshness check alert beyond it. A dump of many gigabytes takes minutes to hours to copy without
   * Replication Time Control; with it, S3 copies 99.99% of objects within 15 minutes.
   * @default 3h
   */
  readonly maxLag?: string;
  /**
   * S3 Replication Time Control: copies within 15 minutes, backed by an SLA, for an extra charge per GB
   * replicated (see the S3 pricing page). Also emits the `OperationMissedThreshold` event.
   * @default false
   */
  readonly timeControl?: boolean;
}

export interface ResolvedReplicationConfig {
  readonly maxLag: Duration;
  readonly timeControl: boolean;
}

export const REPLICATION_DEFAULTS = { maxLag: '3h', timeControl: false } as const;

/** Replication metrics arrive per minute and the freshness check runs every 5 to 60 minutes: a shorter limit only adds noise. */
const MIN_LAG_SECONDS = 15 * 60;
/** Beyond a week the copy is not a second copy anyone can count on. */
const MAX_LAG_SECONDS = 7 * 24 * 3600;

/** Records every problem of the `replication` section; `path` is its field path. */
export function validateReplicationConfig(config: ReplicationConfig | undefined, path: string, problems: ConfigProblems): void {
  if (config?.maxLag === undefined) return;
  let seconds: number;
  try {
    seconds = parseDuration(config.maxLag, `${path}.maxLag`);
  } catch {
    problems.add(`${path}.maxLag`, config.maxLag, 'must be a duration like 45m, 3h or 1d');
    return;
  }
  if (seconds < MIN_LAG_SECONDS || seconds > MAX_LAG_SECONDS) {
    problems.add(
      `${path}.maxLag`,
      config.maxLag,
      `must be from ${formatDuration(MIN_LAG_SECONDS)} to ${formatDuration(MAX_LAG_SECONDS)} (replication metrics come per minute; a copy a week late is no copy)`,
    );
  }
}

export function resolveReplicationConfig(config: ReplicationConfig = {}): ResolvedReplicationConfig {
  return {
    maxLag: Duration.seconds(parseDuration(config.maxLag ?? REPLICATION_DEFAULTS.maxLag, 'replication.maxLag')),
    timeControl: config.timeControl ?? REPLICATION_DEFAULTS.timeControl,
  };
}
