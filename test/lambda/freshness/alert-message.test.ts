import { describe, expect, test } from 'vitest';
import { renderAlert, snsMessage } from '../../../lambda/freshness/alert-message.js';
import { type AlertState, decideNotification } from '../../../lambda/freshness/alert-state.js';
import { evaluateDatabase } from '../../../src/contract/freshness/evaluate.js';
import type { FreshnessConfig } from '../../../src/contract/freshness/function-environment.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { manifestKey } from '../../../src/contract/layout.js';
import { SCHEMA_VERSION } from '../../../src/contract/manifest.js';
import { backupSummaries } from '../../src/contract/freshness/backup-history.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const config: FreshnessConfig = {
  bucket: 'acme-pg-backups',
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
  stateTable: 'state',
  region: 'eu-west-1',
  reminderEverySeconds: 6 * 3600,
  functionLogGroupName: '/aws/lambda/acme-freshness',
  databases: [],
};
const database = {
  id: 'orders-db',
  limits: DEFAULT_LIMITS,
  dumpNowCommand: 'aws ecs run-task --cluster acme --task-definition acme-dump-orders-db',
  logGroupName: '/acme/pg-backup',
};

function staleStatus() {
  const [latest, ...previous] = backupSummaries({ newestAgeHours: 31, sizes: [1e9, 1e9], now: NOW });
  return evaluateDatabase(
    {
      databaseId: 'orders-db',
      pointer: {
        schemaVersion: SCHEMA_VERSION,
        databaseId: 'orders-db',
        latest: { ...latest!, manifestKey: manifestKey('orders-db', latest!.backupId) },
        previous,
      },
    },
    DEFAULT_LIMITS,
    NOW,
  );
}

describe('the e-mail a tired human reads', () => {
  test('says what is wrong, since when, what to restore, what to run and where the logs are', () => {
    const status = staleStatus();
    const state: AlertState = {
      databaseId: 'orders-db',
      state: 'backup-stale',
      since: '2026-11-22T09:00:00.000Z',
      lastNotifiedAt: NOW.toISOString(),
    };
    const message = renderAlert({ config, database, status, notification: 'problem', state, now: NOW });
    const email = JSON.parse(snsMessage(message)).email as string;
    const backupId = status.backup!.backupId;

    expect(email.split('\n')).toEqual([
      'pg-backup orders-db: newest backup is 31 h old (limit 26 h)',
      '',
      'WHAT IS WRONG',
      `- The newest successful backup of orders-db (${backupId}) finished at 2026-11-21T05:00:00.000Z, 31 h ago; the limit is 26 h. Dumps have stopped or are failing. (limit broken since 2026-11-22T07:00:00.000Z)`,
      '',
      'SINCE',
      'First seen by the freshness check at 2026-11-22T09:00:00.000Z (3 h ago).',
      '',
      'NEWEST GOOD BACKUP',
      `${backupId}, finished 2026-11-21T05:00:00.000Z (31 h ago), not restore-tested yet`,
      '',
      'WHAT TO DO FIRST',
      '1. Start a dump now: aws ecs run-task --cluster acme --task-definition acme-dump-orders-db',
      `2. If you need the data back, restore the newest good backup into a NEW database (the password comes from PGPASSWORD, never the URL): npx pg-backup restore --db-id orders-db --bucket acme-pg-backups --backup ${backupId} --allow-unverified --target 'postgresql://USER@HOST:5432/NEW_DATABASE'`,
      '3. See the current state: npx pg-backup status --bucket acme-pg-backups --db-id orders-db',
      '',
      'LOGS',
      'aws logs tail /acme/pg-backup --since 2d --region eu-west-1   # dump and verify tasks',
      'aws logs tail /aws/lambda/acme-freshness --since 1h --region eu-west-1   # this freshness check',
      '',
      'Checked at 2026-11-22T12:00:00.000Z against s3://acme-pg-backups. Limits: newest backup 26 h, verification 8 d, size ±30% of the median. This alert repeats every 6 h while the problem lasts, and once more when it is resolved.',
    ]);
  });

  test("an RDS instance's point-in-time recovery off: the first step is to turn it back on, not to start a dump", () => {
    const status = staleStatus();
    const pitrOnly = {
      ...status,
      problems: [
        {
          kind: 'pitr-off' as const,
          summary: 'point-in-time recovery is OFF (backup retention 0 days)',
          detail:
            'orders keeps no automated backups. Turn them on: aws rds modify-db-instance --db-instance-identifier orders --backup-retention-period 7 --apply-immediately',
        },
      ],
    };
    const state: AlertState = { databaseId: 'orders-db', state: 'pitr-off', since: NOW.toISOString() };
    const message = renderAlert({ config, database, status: pitrOnly, notification: 'problem', state, now: NOW });
    const lines = (JSON.parse(snsMessage(message)).email as string).split('\n');
    const steps = lines.slice(lines.indexOf('WHAT TO DO FIRST') + 1, lines.indexOf('LOGS') - 1);
    expect(steps).toEqual([
      "1. Restore the instance's point-in-time recovery with the command under WHAT IS WRONG; until then the dumps are the only way back (docs/runbooks/README.md)",
      '2. See the current state: npx pg-backup status --bucket acme-pg-backups --db-id orders-db',
    ]);
    expect(message.chatbot.content.nextSteps.join('\n')).not.toContain('Start a dump now');

    // With a stale dump as well, the dump's steps come first and the instance's follows.
    const both = { ...status, problems: [...status.problems, ...pitrOnly.problems] };
    const bothLines = (
      JSON.parse(snsMessage(renderAlert({ config, database, status: both, notification: 'problem', state, now: NOW }))).email as string
    ).split('\n');
    expect(bothLines.filter((line) => /^\d\. /.test(line)).map((line) => line.slice(3, 30))).toEqual([
      'Start a dump now: aws ecs r',
      'If you need the data back, ',
      "Restore the instance's poin",
      'See the current state: npx ',
    ]);
  });

  test('a long subject is cut to what SNS accepts', () => {
    const status = staleStatus();
    const long = {
      ...status,
      databaseId: 'a'.repeat(48),
      problems: status.problems.map((p) => ({ ...p, summary: `${p.summary} ${'x'.repeat(80)}` })),
    };
    const state: AlertState = { databaseId: long.databaseId, state: 'backup-stale', since: NOW.toISOString() };
    const { subject } = renderAlert({ config, database, status: long, notification: 'problem', state, now: NOW });
    expect(subject).toHaveLength(100);
    expect(subject.endsWith('...')).toBe(true);
  });
});

describe('decideNotification', () => {
  const status = staleStatus();
  const ok = { ...status, ok: true, problems: [] };
  const at = (hours: number) => new Date(NOW.getTime() + hours * 3600_000);
  const reminder = 6 * 3600;

  test.each([
    ['first sight of a problem', undefined, status, 0, 'problem'],
    ['first sight, all well', undefined, ok, 0, undefined],
    ['same problem within the reminder interval', { state: 'backup-stale', lastNotifiedAt: NOW.toISOString() }, status, 5.9, undefined],
    ['same problem after the reminder interval', { state: 'backup-stale', lastNotifiedAt: NOW.toISOString() }, status, 6, 'reminder'],
    ['recovery', { state: 'backup-stale', lastNotifiedAt: NOW.toISOString() }, ok, 1, 'recovered'],
    ['still ok', { state: 'ok' }, ok, 100, undefined],
    ['a different problem', { state: 'no-backup', lastNotifiedAt: NOW.toISOString() }, status, 0.25, 'problem'],
  ] as const)('%s -> %s', (_name, previous, current, hoursLater, expected) => {
    const prev = previous && { databaseId: 'orders-db', since: NOW.toISOString(), ...previous };
    expect(decideNotification(prev, current, at(hoursLater), reminder).notification).toBe(expected);
  });

  test('a changed problem keeps the start of the outage', () => {
    const prev: AlertState = {
      databaseId: 'orders-db',
      state: 'no-backup',
      since: '2026-11-20T00:00:00.000Z',
      lastNotifiedAt: NOW.toISOString(),
    };
    expect(decideNotification(prev, status, NOW, reminder).next.since).toBe('2026-11-20T00:00:00.000Z');
  });
});
