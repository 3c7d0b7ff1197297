import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import type { DatabaseConfig } from '../../../lib/config/database-config.js';
import type { MonitoringConfig } from '../../../lib/config/monitoring-config.js';
import { resolveRecoveryTargets, rpoMarginSeconds } from '../../../lib/config/recovery-targets.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';

const ORDERS = example.databases[0]!;
const HOUR = 3600;

function stage(change: Partial<Record<keyof DatabaseConfig, unknown>>, monitoring?: MonitoringConfig): AppConfig {
  return { ...example, databases: [{ ...ORDERS, ...change } as DatabaseConfig], ...(monitoring ? { monitoring } : {}) };
}

describe('recovery targets', () => {
  test('defaults keep what a daily dump always promised: RPO and freshness limit 26 h, RTO 4 h, PITR of the RDS instance 7 days', () => {
    expect(resolveRecoveryTargets(ORDERS)).toEqual({
      rpoSeconds: 26 * HOUR,
      rtoSeconds: 4 * HOUR,
      dumpGap: { seconds: 24 * HOUR, wallClockSeconds: 24 * HOUR, clockShiftSeconds: 0, marginSeconds: 2 * HOUR },
      maxBackupAgeSeconds: 26 * HOUR,
      pointInTimeRecovery: { rdsInstance: 'orders-prod', minRetentionDays: 7, maxLagSeconds: 900 },
    });
  });

  test('an hourly database alerts after 75 minutes, not 26 hours', () => {
    const hourly = { ...ORDERS, dumpSchedule: { cron: '0 * * * ? *' }, rpo: { hours: 2 }, rto: { minutes: 30 } };
    expect(resolveRecoveryTargets(hourly)).toMatchObject({ rpoSeconds: 2 * HOUR, rtoSeconds: 1800, maxBackupAgeSeconds: HOUR + 900 });
    expect(appConfigProblems(stage(hourly))).toEqual([]);
  });

  test('the margin is 1/12 of the gap, from 15 minutes to 2 hours', () => {
    expect([900, HOUR, 12 * HOUR, 24 * HOUR, 168 * HOUR].map(rpoMarginSeconds)).toEqual([900, 900, HOUR, 2 * HOUR, 2 * HOUR]);
  });

  test('a monitoring-only database alerts at its RPO; an explicit maxBackupAge still wins', () => {
    expect(resolveRecoveryTargets({ id: 'legacy-db', rpo: { days: 2 } }).maxBackupAgeSeconds).toBe(48 * HOUR);
    expect(resolveRecoveryTargets({ id: 'legacy-db' }).maxBackupAgeSeconds).toBe(26 * HOUR);
    const monitoring = { maxBackupAge: '30h', databases: { 'legacy-db': { maxBackupAge: '3d' } } };
    expect(resolveRecoveryTargets({ id: 'legacy-db' }, monitoring)).toMatchObject({
      maxBackupAgeSeconds: 72 * HOUR,
      rpoSeconds: 72 * HOUR,
    });
    expect(resolveRecoveryTargets(ORDERS, monitoring)).toMatchObject({ maxBackupAgeSeconds: 30 * HOUR, rpoSeconds: 30 * HOUR });
  });

  test('pitr: false leaves the RDS instance unchecked; a host database has none', () => {
    expect(resolveRecoveryTargets({ ...ORDERS, pitr: false }).pointInTimeRecovery).toBeUndefined();
    const host = { id: 'billing-db', connection: { host: 'db.internal', database: 'billing' }, secretName: 'x' };
    expect(resolveRecoveryTargets(host).pointInTimeRecovery).toBeUndefined();
    expect(resolveRecoveryTargets({ ...ORDERS, pitr: { minRetentionDays: 35, maxLag: { minutes: 5 } } }).pointInTimeRecovery).toEqual({
      rdsInstance: 'orders-prod',
      minRetentionDays: 35,
      maxLagSeconds: 300,
    });
  });

  test.each<[string, AppConfig, string[]]>([
    [
      'an RPO the daily schedule cannot meet',
      stage({ rpo: { hours: 1 } }),
      [
        "`databases[0].rpo` ({\"hours\":1}) must be at least the dump schedule's longest gap plus a margin for the dump to finish (26 h: `databases[0].dumpSchedule` '0 2 * * ? *' (UTC) runs up to 24 h apart, plus 2 h); dump more often or raise the RPO",
      ],
    ],
    [
      'a daily schedule across a clock change',
      stage({ rpo: { hours: 26 }, dumpSchedule: { cron: '0 2 * * ? *', timeZone: 'Europe/Berlin' } }),
      [
        "`databases[0].rpo` ({\"hours\":26}) must be at least the dump schedule's longest gap plus a margin for the dump to finish (27 h: `databases[0].dumpSchedule` '0 2 * * ? *' (Europe/Berlin) runs up to 25 h apart across a clock change, plus 2 h); dump more often or raise the RPO",
      ],
    ],
    [
      'targets that are not durations',
      stage({ rpo: { hour: 1 }, rto: { minutes: 0 } }),
      [
        '`databases[0].rpo` ({"hour":1}) must be a duration in one unit, a positive whole number: { minutes: 30 }, { hours: 1 } or { days: 1 }',
        '`databases[0].rto` ({"minutes":0}) must be a duration in one unit, a positive whole number: { minutes: 30 }, { hours: 1 } or { days: 1 }',
      ],
    ],
    [
      'two units at once',
      stage({ rto: { hours: 1, minutes: 30 } }),
      [
        '`databases[0].rto` ({"hours":1,"minutes":30}) must be a duration in one unit, a positive whole number: { minutes: 30 }, { hours: 1 } or { days: 1 }',
      ],
    ],
    [
      'a freshness limit above the RPO, and one shorter than the schedule',
      stage({ rpo: { hours: 30 } }, { maxBackupAge: '40h', databases: { 'orders-db': { maxBackupAge: '12h' } } }),
      [
        "`monitoring.databases.orders-db.maxBackupAge` ('12h') must be at least the longest gap of orders-db's dump schedule (24 h), or it alerts between two scheduled dumps",
      ],
    ],
    [
      'a stage-wide freshness limit above the RPO',
      stage({ rpo: { hours: 30 } }, { maxBackupAge: '40h' }),
      [
        "`monitoring.maxBackupAge` ('40h') must not exceed the RPO of orders-db (`databases[0].rpo`: 30 h): an alert after the target is broken comes too late",
      ],
    ],
    [
      'a PITR retention outside RDS range and a lag too long',
      stage({ pitr: { minRetentionDays: 40, maxLag: { hours: 2 } } }),
      [
        "`databases[0].pitr.minRetentionDays` (40) must be a whole number of days from 1 to 35 (RDS's backup retention period)",
        '`databases[0].pitr.maxLag` ({"hours":2}) must be from 5 to 60 minutes (RDS keeps the latest restorable time typically within 5 minutes; the check runs every 5 to 60)',
      ],
    ],
    [
      'PITR for a database not found through RDS',
      {
        ...example,
        databases: [
          {
            id: 'billing-db',
            connection: { host: 'db.internal', database: 'billing' },
            secretName: 'billing',
            pitr: { minRetentionDays: 7 },
          },
        ],
      },
      [
        '`databases[0].pitr` ({"minRetentionDays":7}) applies only to a database found through RDS (connection.rdsInstance): the check reads the instance\'s automated backups',
      ],
    ],
    [
      'a schedule that stops',
      stage({ dumpSchedule: { cron: '0 2 * * ? 2026' } }),
      [
        '`databases[0].dumpSchedule.cron` (\'0 2 * * ? 2026\') does not run in 2027 (year field "2026"): no dump is taken then: its longest gap, which must fit the RPO, cannot be read',
      ],
    ],
  ])('%s', (_name, config, problems) => {
    expect(appConfigProblems(config)).toEqual(problems);
  });
});
