import type { ConfigProblems } from './problems.js';

/**
 * A recovery target as operators write it in a stage: one unit, a positive whole number, like
 * `{ minutes: 30 }`, `{ hours: 1 }` or `{ days: 1 }`. One unit, so a value reads at a glance and a
 * typo (`{ hour: 1 }`) is a problem naming the field rather than a silent zero.
 */
export type TargetDuration = { readonly minutes: number } | { readonly hours: number } | { readonly days: number };

const UNIT_SECONDS = { minutes: 60, hours: 3600, days: 86_400 } as const;
type Unit = keyof typeof UNIT_SECONDS;
const UNITS = Object.keys(UNIT_SECONDS) as Unit[];

const REQUIREMENT = 'must be a duration in one unit, a positive whole number: { minutes: 30 }, { hours: 1 } or { days: 1 }';

/** Seconds in a valid target duration. */
export function targetSeconds(duration: TargetDuration): number {
  const [unit, value] = Object.entries(duration)[0] as [Unit, number];
  return value * UNIT_SECONDS[unit];
}

/** Records a problem unless `value` is a TargetDuration; `field` is like `databases[0].rpo`. */
export function checkTargetDuration(value: unknown, field: string, problems: ConfigProblems): value is TargetDuration {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(field, value, REQUIREMENT);
    return false;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const [unit, amount] = entries[0] ?? [];
  if (entries.length !== 1 || !UNITS.includes(unit as Unit) || typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) {
    problems.add(field, value, REQUIREMENT);
    return false;
  }
  return true;
}
