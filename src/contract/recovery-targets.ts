/**
 * A database's recovery targets, in seconds: what the stage promises (lib/config/recovery-targets.ts) and what
 * the freshness check, the alarms and the drill measure against.
 */
export interface RecoveryTargets {
  /** Recovery point objective: at most this much data may be lost (the age of the newest backup at the disaster). */
  readonly rpoSeconds: number;
  /** Recovery time objective: a recovery, from the decision to restore to a checked database, takes at most this long. */
  readonly rtoSeconds: number;
}
