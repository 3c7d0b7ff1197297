import type { ConfigProblems } from './problems.js';

/** An EventBridge Scheduler cron expression and the time zone it is read in. */
export interface ScheduleConfig {
  /** Six fields, as EventBridge writes them: `minutes hours day-of-month month day-of-week year`, like `0 2 * * ? *`. */
  readonly cron: string;
  /**
   * IANA time zone, like `Europe/Berlin`.
   * @default UTC
   */
  readonly timeZone?: string;
}

/** Six space-separated fields; EventBridge checks the rest at deploy. */
const CRON_PATTERN = /^\S+ \S+ \S+ \S+ \S+ \S+$/;

/** Records every problem of a schedule; `path` is like `databases[0].dumpSchedule`. */
export function validateSchedule(schedule: ScheduleConfig | undefined, path: string, problems: ConfigProblems): void {
  if (schedule === undefined) return;
  if (typeof schedule.cron !== 'string' || !CRON_PATTERN.test(schedule.cron.trim())) {
    problems.add(
      `${path}.cron`,
      schedule.cron,
      'must be an EventBridge cron expression with six fields, like 0 2 * * ? * (minutes hours day-of-month month day-of-week year)',
    );
  } else {
    const [, , dayOfMonth, , dayOfWeek] = schedule.cron.trim().split(' ');
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      problems.add(
        `${path}.cron`,
        schedule.cron,
        'must have ? in exactly one of day-of-month (3rd field) and day-of-week (5th field), as EventBridge requires',
      );
    }
  }
  if (schedule.timeZone !== undefined && !isTimeZone(schedule.timeZone)) {
    problems.add(`${path}.timeZone`, schedule.timeZone, 'must be an IANA time zone like UTC or Europe/Berlin');
  }
}

function isTimeZone(zone: string): boolean {
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/');
  } catch {
    return false;
  }
}

/**
 * A database's start offset inside the start window, in whole minutes from 0 to `windowMinutes` - 1: FNV-1a
 * of its id, so it never changes when other databases are added or removed, and two hundred ids spread
 * over the window about evenly.
 */
export function startOffsetMinutes(databaseId: string, windowMinutes: number): number {
  if (windowMinutes <= 0) return 0;
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(databaseId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % windowMinutes;
}

/**
 * `cron` started `minutes` later: its minute (one number) moves forward, and each hour (one number, a
 * list, or `*`) takes the carry. Anything else in those two fields, or an hour carried past 23 (the day
 * would change, and with it day-of-month or day-of-week), is refused with the reason.
 */
export function offsetCron(cron: string, minutes: number): { readonly cron: string } | { readonly problem: string } {
  if (minutes === 0) return { cron };
  const [minute, hour, ...rest] = cron.trim().split(/\s+/);
  if (!minute || !hour || !/^\d{1,2}$/.test(minute) || Number(minute) > 59) {
    return { problem: 'needs one number as its minute (1st field) to take a start offset' };
  }
  const total = Number(minute) + minutes;
  const carry = Math.floor(total / 60);
  let hours: string;
  if (hour === '*') {
    hours = '*';
  } else if (/^\d{1,2}(,\d{1,2})*$/.test(hour)) {
    const shifted = hour.split(',').map((h) => Number(h) + carry);
    if (shifted.some((h) => h > 23)) {
      return { problem: `would run past midnight with a start offset of ${minutes} minutes (the day would change): start it earlier` };
    }
    hours = shifted.join(',');
  } else {
    return { problem: 'needs one number, a list of numbers or * as its hour (2nd field) to take a start offset' };
  }
  return { cron: [String(total % 60), hours, ...rest].join(' ') };
}
