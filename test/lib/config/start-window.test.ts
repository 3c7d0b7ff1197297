import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import type { DatabaseConfig } from '../../../lib/config/database-config.js';
import { offsetCron, startOffsetMinutes } from '../../../lib/config/schedule-config.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';

const ORDERS = example.databases[0]!;

describe('start offsets', () => {
  test('two hundred databases spread over a 60-minute window: every minute used, at most 6 starting in one', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `db-${String(i + 1).padStart(3, '0')}`);
    const perMinute = new Map<number, number>();
    for (const id of ids) {
      const offset = startOffsetMinutes(id, 60);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(60);
      perMinute.set(offset, (perMinute.get(offset) ?? 0) + 1);
    }
    expect(perMinute.size).toBe(60);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(6);
  });

  test("a database's offset depends on its id and the window only: stable when others are added", () => {
    expect(startOffsetMinutes('orders-db', 60)).toBe(41);
    expect(startOffsetMinutes('orders-db', 60)).toBe(startOffsetMinutes('orders-db', 60));
    expect(startOffsetMinutes('orders-db', 0)).toBe(0);
  });

  test.each([
    ['0 2 * * ? *', 41, '41 2 * * ? *'],
    ['30 1 * * ? *', 49, '19 2 * * ? *'],
    ['15 3,15 ? * MON-FRI *', 50, '5 4,16 ? * MON-FRI *'],
    ['45 * * * ? *', 20, '5 * * * ? *'],
    ['0 2 * * ? *', 0, '0 2 * * ? *'],
  ])('%s started %i minutes later: %s', (cron, minutes, moved) => {
    expect(offsetCron(cron, minutes)).toEqual({ cron: moved });
  });

  test.each([
    ['30 23 * * ? *', 40, 'would run past midnight with a start offset of 40 minutes (the day would change): start it earlier'],
    ['0/15 2 * * ? *', 5, 'needs one number as its minute (1st field) to take a start offset'],
    ['0 1-3 * * ? *', 5, 'needs one number, a list of numbers or * as its hour (2nd field) to take a start offset'],
  ])('%s cannot take %i minutes: %s', (cron, minutes, problem) => {
    expect(offsetCron(cron, minutes)).toEqual({ problem });
  });
});

describe('jobs.startWindowMinutes and jobs.databasesPerStack are validated', () => {
  const withJobs = (jobs: object, database: Partial<DatabaseConfig> = {}): AppConfig => ({
    ...example,
    jobs: { ...example.jobs, ...jobs },
    databases: [{ ...ORDERS, ...database }],
  });

  test('out of range, naming field and value', () => {
    expect(appConfigProblems(withJobs({ startWindowMinutes: 300, databasesPerStack: 0 }))).toEqual([
      '`jobs.startWindowMinutes` (300) must be a whole number of minutes from 0 to 240 (up to the 4 hours between the default dump and verify)',
      '`jobs.databasesPerStack` (0) must be a whole number from 1 to 50 (a stack stays under 450 resources and 900 KB)',
    ]);
  });

  test("a cron its database's offset would carry past midnight, or one with a range as its minute, names the cron and the offset", () => {
    expect(
      appConfigProblems(withJobs({}, { dumpSchedule: { cron: '30 23 * * ? *' }, verifySchedule: { cron: '*/30 6 * * ? *' } })),
    ).toEqual([
      "`databases[0].dumpSchedule.cron` ('30 23 * * ? *') would run past midnight with a start offset of 41 minutes (the day would change): start it earlier (this database's start offset is 41 minutes of jobs.startWindowMinutes 60; 0 turns the offsets off)",
      "`databases[0].verifySchedule.cron` ('*/30 6 * * ? *') needs one number as its minute (1st field) to take a start offset (this database's start offset is 41 minutes of jobs.startWindowMinutes 60; 0 turns the offsets off)",
    ]);
  });

  test('with the window off, any valid cron goes; a monitored-only or retired database has no schedule to check', () => {
    expect(appConfigProblems(withJobs({ startWindowMinutes: 0 }, { dumpSchedule: { cron: '30 23 * * ? *' } }))).toEqual([]);
    expect(appConfigProblems(withJobs({}, { dumpSchedule: { cron: '30 23 * * ? *' }, retired: true }))).toEqual([]);
  });

  test('retired must be a boolean', () => {
    expect(appConfigProblems(withJobs({}, { retired: 'yes' as never }))).toEqual(["`databases[0].retired` ('yes') must be true or false"]);
  });
});
