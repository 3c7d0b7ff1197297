/**
 * The longest time between two consecutive runs of an EventBridge Scheduler cron expression: what a dump
 * schedule promises as a recovery point.
 *
 * How: the expression's runs are enumerated on the wall clock of its time zone, day by day over four whole
 * years (2026 to 2029: every weekday of every date, a leap day, month ends of every length), and the longest
 * gap between two consecutive runs is taken. A zone with daylight saving time repeats an hour in autumn, so a
 * gap that spans that night is longer by the zone's shift (Europe/Berlin: a daily 02:00 run is 25 h after the
 * one before); the shift is added to the wall-clock gap, which makes the result an upper bound.
 *
 * Understood: `*`, `?`, numbers, ranges `a-b`, lists `a,b`, steps `*\/n`, `a/n`, `a-b/n`, month and weekday
 * names (JAN-DEC, SUN-SAT), `L` and `LW` and `nW` in day-of-month, `nL` and `n#k` in day-of-week.
 */

export interface CronGap {
  /** The longest gap between two consecutive runs, clock change included (seconds). */
  readonly seconds: number;
  /** The longest gap on the wall clock of the time zone (seconds). */
  readonly wallClockSeconds: number;
  /** The time zone's daylight saving shift added to it (seconds; 0 for UTC). */
  readonly clockShiftSeconds: number;
}

/** An expression this module cannot enumerate, or one that runs less than twice: the message says which part. */
export class CronGapError extends Error {
  override readonly name = 'CronGapError';
}

const WINDOW_START = Date.UTC(2026, 0, 1);
const WINDOW_DAYS = 4 * 365 + 1;
const DAY_MS = 86_400_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The longest gap of `cron` (six fields, as EventBridge writes them) read in `timeZone`. Throws CronGapError. */
export function longestCronGap(cron: string, timeZone = 'UTC'): CronGap {
  const [minuteField, hourField, domField, monthField, dowField, yearField] = cron.trim().split(/\s+/);
  if (yearField === undefined) throw new CronGapError('must have six fields');
  const minutes = valueSet(minuteField!, 0, 59, 'minutes');
  const hours = valueSet(hourField!, 0, 23, 'hours');
  const months = valueSet(monthField!, 1, 12, 'month', MONTHS);
  const years = valueSet(yearField, 1970, 2199, 'year');
  const dayMatches = dayMatcher(domField!, dowField!);
  const lastWindowYear = new Date(WINDOW_START + (WINDOW_DAYS - 1) * DAY_MS).getUTCFullYear();
  for (let year = new Date(WINDOW_START).getUTCFullYear(); year <= lastWindowYear; year++) {
    if (!years.has(year))
      throw new CronGapError(`does not run in ${year} (year field ${JSON.stringify(yearField)}): no dump is taken then`);
  }

  const times = [...hours].sort((a, b) => a - b).flatMap((h) => [...minutes].sort((a, b) => a - b).map((m) => h * 60 + m));
  if (times.length === 0) throw new CronGapError('never runs');
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);

  let runDays = 0;
  let previousLastRun: number | undefined;
  for (let day = 0; day < WINDOW_DAYS; day++) {
    const date = new Date(WINDOW_START + day * DAY_MS);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    if (!years.has(year) || !months.has(month) || !dayMatches(date)) continue;
    runDays += 1;
    const first = day * 1440 + times[0]!;
    if (previousLastRun !== undefined) longest = Math.max(longest, first - previousLastRun);
    previousLastRun = day * 1440 + times.at(-1)!;
  }
  if (runDays === 0 || (runDays === 1 && times.length === 1)) {
    throw new CronGapError('runs less than twice in 2026 to 2029, so no recovery point can be promised');
  }
  const clockShiftSeconds = daylightSavingShiftSeconds(timeZone);
  return { seconds: longest * 60 + clockShiftSeconds, wallClockSeconds: longest * 60, clockShiftSeconds };
}

/** The difference between a zone's largest and smallest UTC offset in 2026: its daylight saving shift. */
export function daylightSavingShiftSeconds(timeZone: string): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const offsets = Array.from({ length: 12 }, (_, month) => {
    const name = format.formatToParts(new Date(Date.UTC(2026, month, 15))).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60) : 0;
  });
  return Math.max(...offsets) - Math.min(...offsets);
}

/** The values of one field: `*`, numbers or names, ranges, lists, steps. */
function valueSet(field: string, min: number, max: number, name: string, names: readonly string[] = []): Set<number> {
  const values = new Set<number>();
  const value = (text: string): number => {
    const index = names.indexOf(text.toUpperCase());
    const number = index >= 0 ? index + 1 : Number(text);
    if (!/^\d+$/.test(text) && index < 0) throw new CronGapError(`has ${JSON.stringify(text)} in ${name}, which is not a value`);
    if (number < min || number > max) throw new CronGapError(`has ${number} in ${name}, outside ${min}-${max}`);
    return number;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronGapError(`has the step ${JSON.stringify(stepText)} in ${name}`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [from, to] = [value(a!), value(b!)];
    } else {
      from = value(range!);
      to = stepText === undefined ? from : max;
    }
    if (from > to) throw new CronGapError(`has the range ${JSON.stringify(range)} in ${name}, which runs backwards`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Whether a date (UTC fields standing for the wall clock) matches day-of-month and day-of-week; one of them is `?`. */
function dayMatcher(domField: string, dowField: string): (date: Date) => boolean {
  if (domField === '?' && dowField === '?') throw new CronGapError('has ? in both day-of-month and day-of-week');
  if (domField !== '?') {
    const weekdayNear = (date: Date, target: number): number => {
      // The weekday nearest to `target` within the month (EventBridge's W).
      const last = lastDayOf(date);
      const day = Math.min(target, last);
      const weekday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), day)).getUTCDay();
      if (weekday === 6) return day === 1 ? 3 : day - 1;
      if (weekday === 0) return day === last ? day - 2 : day + 1;
      return day;
    };
    if (domField === 'L') return (date) => date.getUTCDate() === lastDayOf(date);
    if (domField === 'LW') return (date) => date.getUTCDate() === weekdayNear(date, lastDayOf(date));
    const nearest = /^(\d{1,2})W$/.exec(domField);
    if (nearest) {
      const target = Number(nearest[1]);
      if (target < 1 || target > 31) throw new CronGapError(`has ${domField} in day-of-month`);
      return (date) => date.getUTCDate() === weekdayNear(date, target);
    }
    const days = valueSet(domField, 1, 31, 'day-of-month');
    return (date) => days.has(date.getUTCDate());
  }
  const weekday = (text: string) => {
    const index = WEEKDAYS.indexOf(text.toUpperCase());
    const number = index >= 0 ? index + 1 : Number(text);
    if (!(number >= 1 && number <= 7)) throw new CronGapError(`has ${JSON.stringify(text)} in day-of-week`);
    return number;
  };
  const last = /^(\w+)L$/.exec(dowField);
  if (last) {
    const target = weekday(last[1]!);
    return (date) => date.getUTCDay() + 1 === target && date.getUTCDate() + 7 > lastDayOf(date);
  }
  const nth = /^(\w+)#([1-5])$/.exec(dowField);
  if (nth) {
    const target = weekday(nth[1]!);
    const k = Number(nth[2]);
    return (date) => date.getUTCDay() + 1 === target && Math.ceil(date.getUTCDate() / 7) === k;
  }
  const days = valueSet(dowField, 1, 7, 'day-of-week', WEEKDAYS);
  return (date) => days.has(date.getUTCDay() + 1);
}

function lastDayOf(date: Date): number {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}
