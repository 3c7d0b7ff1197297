import { PgBackupError } from '../../errors.js';

/**
 * Durations and tolerances as operators write them in flags and configuration: `45s`, `90m`,
 * `26h`, `8d`, and `30%`. One parser for the CLI, the Lambda and the CDK config, so a limit
 * means the same thing everywhere.
 */

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)([smhd])$/;

/** Seconds in a duration like `26h`; throws naming `field` and echoing the value when it is not one. */
export function parseDuration(value: string, field = 'duration'): number {
  const match = DURATION_PATTERN.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new PgBackupError(`${field} (${JSON.stringify(value)}) must be a positive duration like 45s, 90m, 26h or 8d`);
  }
  return seconds;
}

/** A fraction from a tolerance like `30%` (0.3); throws naming `field` and echoing the value. */
export function parseTolerance(value: string, field = 'tolerance'): number {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  const percent = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(percent) || percent <= 0 || percent >= 1000) {
    throw new PgBackupError(`${field} (${JSON.stringify(value)}) must be a percentage like 30%`);
  }
  return percent / 100;
}

/**
 * A short human duration for alert text, in the largest unit that keeps it readable:
 * `40 s`, `12 min`, `31 h`, `9 d`. Rounded down, so "31 h old" never overstates the limit.
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)} min`;
  if (s < 3 * 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** Bytes as `1.4 GB`, `312 MB`, `820 kB`, `17 B` (SI units, as S3 and the console show them). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
