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
