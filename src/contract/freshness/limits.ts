import { parseDuration, parseTolerance } from './duration.js';

/** What `pg-backup status` and the freshness Lambda hold a database to. */
export interface FreshnessLimits {
  /** The newest successful backup may be at most this old (seconds). */
  readonly maxBackupAgeSeconds: number;
  /** The newest verification may be at most this old (seconds). */
  readonly maxVerificationAgeSeconds: number;
  /** The newest backup's size may differ from the median of the previous ones by at most this fraction. */
  readonly sizeTolerance: number;
}

/** The limits as operators write them (flags, stage configuration). */
export interface FreshnessLimitsText {
  /** @default 26h - a daily backup plus two hours of slack */
  readonly maxBackupAge?: string;
  /** @default 8d - a weekly verification plus a day of slack */
  readonly maxVerificationAge?: string;
  /** @default 30% */
  readonly sizeTolerance?: string;
}

export const DEFAULT_LIMITS_TEXT = {
  maxBackupAge: '26h',
  maxVerificationAge: '8d',
  sizeTolerance: '30%',
} as const satisfies Required<FreshnessLimitsText>;

/**
 * The size baseline needs a few earlier backups: with one or two, a single unusual dump
 * would make every later normal one look anomalous.
 */
export const MIN_SIZE_BASELINE = 3;

/** Parses limits written as text, defaults filled in; errors name the field (prefixed by `path`). */
export function parseLimits(text: FreshnessLimitsText = {}, path = ''): FreshnessLimits {
  return {
    maxBackupAgeSeconds: parseDuration(text.maxBackupAge ?? DEFAULT_LIMITS_TEXT.maxBackupAge, `${path}maxBackupAge`),
    maxVerificationAgeSeconds: parseDuration(
      text.maxVerificationAge ?? DEFAULT_LIMITS_TEXT.maxVerificationAge,
      `${path}maxVerificationAge`,
    ),
    sizeTolerance: parseTolerance(text.sizeTolerance ?? DEFAULT_LIMITS_TEXT.sizeTolerance, `${path}sizeTolerance`),
  };
}

export const DEFAULT_LIMITS: FreshnessLimits = parseLimits();
