import { describe, expect, test } from 'vitest';
import { CronGapError, daylightSavingShiftSeconds, longestCronGap } from '../../../lib/config/cron-gaps.js';

const HOUR = 3600;

describe('the longest gap of a dump schedule', () => {
  test.each<[string, string, number]>([
    ['0 2 * * ? *', 'UTC', 24 * HOUR],
    ['0 * * * ? *', 'UTC', HOUR],
    ['*/15 * * * ? *', 'UTC', 900],
    ['0 2,14 * * ? *', 'UTC', 12 * HOUR],
    ['0 0,20 * * ? *', 'UTC', 20 * HOUR],
    // Friday 02:00 to Monday 02:00.
    ['0 2 ? * MON-FRI *', 'UTC', 72 * HOUR],
    ['0 2 ? * 2-6 *', 'UTC', 72 * HOUR],
    ['0 2 ? * SUN *', 'UTC', 168 * HOUR],
    // A 31-day month between two first days: 31 days.
    ['0 3 1 * ? *', 'UTC', 31 * 24 * HOUR],
    ['0 3 L * ? *', 'UTC', 31 * 24 * HOUR],
    // The third Friday: up to five weeks apart.
    ['0 3 ? * 6#3 *', 'UTC', 35 * 24 * HOUR],
    // Daylight saving: the autumn night is an hour longer.
    ['0 2 * * ? *', 'Europe/Berlin', 25 * HOUR],
    ['0 * * * ? *', 'America/New_York', 2 * HOUR],
  ])('%s in %s', (cron, zone, seconds) => {
    expect(longestCronGap(cron, zone).seconds).toBe(seconds);
  });

  test('the clock shift is reported apart from the wall-clock gap', () => {
    expect(longestCronGap('0 2 * * ? *', 'Europe/Berlin')).toEqual({
      seconds: 25 * HOUR,
      wallClockSeconds: 24 * HOUR,
      clockShiftSeconds: HOUR,
    });
    expect(daylightSavingShiftSeconds('UTC')).toBe(0);
    expect(daylightSavingShiftSeconds('Asia/Tokyo')).toBe(0);
    expect(daylightSavingShiftSeconds('Australia/Lord_Howe')).toBe(1800);
  });

  test.each<[string, RegExp]>([
    ['0 2 * * ? 2026', /does not run in 2027/],
    ['0 2 30 2 ? *', /runs less than twice/],
    ['0 25 * * ? *', /has 25 in hours, outside 0-23/],
    ['0 2 ? * FOO *', /FOO/],
    ['0 2 * * ?', /six fields/],
  ])('%s cannot promise a gap', (cron, message) => {
    expect(() => longestCronGap(cron)).toThrow(CronGapError);
    expect(() => longestCronGap(cron)).toThrow(message);
  });
});
