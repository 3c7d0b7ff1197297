import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, test } from 'vitest';
import { type MonitoringConfig, resolveMonitoringConfig, validateMonitoringConfig } from '../../../lib/config/monitoring-config.js';
import { ConfigProblems } from '../../../lib/config/problems.js';

function problemsOf(monitoring: MonitoringConfig | undefined): readonly string[] {
  const problems = new ConfigProblems();
  validateMonitoringConfig(monitoring, 'monitoring', problems);
  return problems.list();
}

describe('validateMonitoringConfig', () => {
  test.each([
    undefined,
    {},
    { maxBackupAge: '26h', maxVerificationAge: '8d', sizeTolerance: '30%', checkEvery: '15m', reminderEvery: '6h', logRetentionDays: 90 },
  ])('%j is valid', (monitoring) => {
    expect(problemsOf(monitoring)).toEqual([]);
  });

  test('reports every problem at once, naming the field and echoing the value', () => {
    expect(
      problemsOf({
        maxBackupAge: '26 hours',
        sizeTolerance: '30',
        checkEvery: '90s',
        reminderEvery: '60s',
        logRetentionDays: 45,
        databases: { 'archive-db': { maxBackupAge: 'weekly' }, Bad_Id: {} },
      }),
    ).toEqual([
      "`monitoring.maxBackupAge` ('26 hours') must be a duration like 45s, 90m, 26h or 8d",
      "`monitoring.sizeTolerance` ('30') must be a percentage like 30%",
      "`monitoring.checkEvery` ('90s') must be whole minutes from 5m to 1h (the alarms expect a data point at least every hour)",
      "`monitoring.reminderEvery` ('60s') must be at least checkEvery (90s)",
      '`monitoring.logRetentionDays` (45) must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      "`monitoring.databases.archive-db.maxBackupAge` ('weekly') must be a duration like 45s, 90m, 26h or 8d",
      "`monitoring.databases` ('Bad_Id') keys must be database ids: 1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
    ]);
  });
});

describe('resolveMonitoringConfig', () => {
  test('defaults: 26h, 8d, 30%, every 15 minutes, reminders every 6 hours, 90 days of logs', () => {
    const resolved = resolveMonitoringConfig();
    expect(resolved).toMatchObject({
      limits: { maxBackupAgeSeconds: 93_600, maxVerificationAgeSeconds: 691_200, sizeTolerance: 0.3 },
      logRetention: logs.RetentionDays.THREE_MONTHS,
    });
    expect(resolved.checkEvery.toSeconds()).toBe(900);
    expect(resolved.reminderEvery.toSeconds()).toBe(21_600);
  });

  test('per-database limits override the shared ones field by field', () => {
    const resolved = resolveMonitoringConfig({ sizeTolerance: '50%', databases: { 'archive-db': { maxBackupAge: '8d' } } });
    expect(resolved.limitsFor('archive-db')).toEqual({
      maxBackupAgeSeconds: 691_200,
      maxVerificationAgeSeconds: 691_200,
      sizeTolerance: 0.5,
    });
    expect(resolved.limitsFor('orders-db')).toEqual({
      maxBackupAgeSeconds: 93_600,
      maxVerificationAgeSeconds: 691_200,
      sizeTolerance: 0.5,
    });
  });
});
