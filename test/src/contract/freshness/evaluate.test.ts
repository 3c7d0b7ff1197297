import { describe, expect, test } from 'vitest';
import { evaluateDatabase, median } from '../../../../src/contract/freshness/evaluate.js';
import { DEFAULT_LIMITS } from '../../../../src/contract/freshness/limits.js';
import { manifestKey } from '../../../../src/contract/layout.js';
import { type LatestPointer, SCHEMA_VERSION, type VerificationRecord } from '../../../../src/contract/manifest.js';
import { backupSummaries, type HistoryOptions } from './backup-history.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const DB = 'orders-db';
const GB = 1_000_000_000;

function pointer(options: Omit<HistoryOptions, 'now'>): LatestPointer {
  const [latest, ...previous] = backupSummaries({ ...options, now: NOW });
  return {
    schemaVersion: SCHEMA_VERSION,
    databaseId: DB,
    latest: { ...latest!, manifestKey: manifestKey(DB, latest!.backupId) },
    previous,
  };
}

function verification(backupId: string, ageHours: number, passed: boolean, mismatches: string[] = []): VerificationRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    databaseId: DB,
    backupId,
    verifiedAt: new Date(NOW.getTime() - ageHours * 3600_000).toISOString(),
    passed,
    checksumOk: true,
    restoreSeconds: 40,
    mismatches,
    smokeQueries: [],
  };
}

const steady = [2 * GB, 2 * GB, 2.1 * GB, 1.9 * GB, 2 * GB, 2.05 * GB, 1.95 * GB, 2 * GB];

describe('evaluateDatabase', () => {
  test('GIVEN a 3 h old backup verified yesterday THEN it is ok and reports its facts', () => {
    const p = pointer({ newestAgeHours: 3, sizes: steady });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 2, true) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.ok).toBe(true);
    expect(status.problems).toEqual([]);
    expect(status.backup).toMatchObject({ backupId: p.latest.backupId, ageSeconds: 3 * 3600, storedBytes: 2 * GB, durationSeconds: 95 });
    expect(status.size).toEqual({ medianBytes: 2 * GB, baselineCount: 7, deviation: 0 });
    expect(status.verification).toMatchObject({ passed: true, ageSeconds: 2 * 3600, restoreSeconds: 40 });
    expect(status.newestGoodBackup).toEqual({ backupId: p.latest.backupId, finishedAt: p.latest.finishedAt, verified: true });
  });

  test('GIVEN no pointer THEN the problem is no-backup', () => {
    const status = evaluateDatabase({ databaseId: DB }, DEFAULT_LIMITS, NOW);
    expect(status.ok).toBe(false);
    expect(status.problems.map((p) => p.kind)).toEqual(['no-backup']);
    expect(status.problems[0]!.detail).toContain('databases/orders-db/latest.json does not exist');
    expect(status.unverifiedSeconds).toBeUndefined();
  });

  test('GIVEN a 31 h old backup THEN it is stale since the limit passed, and says so like a subject line', () => {
    const p = pointer({ newestAgeHours: 31.5, sizes: steady });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 30, true) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.problems).toEqual([
      expect.objectContaining({
        kind: 'backup-stale',
        summary: 'newest backup is 31 h old (limit 26 h)',
        since: '2026-11-22T06:30:00.000Z',
      }),
    ]);
  });

  test('GIVEN a backup exactly at the limit THEN it is still fresh', () => {
    const p = pointer({ newestAgeHours: 26, sizes: steady });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 1, true) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.ok).toBe(true);
  });

  test.each([
    [0.6 * GB, 'newest backup is 70% smaller than usual (600 MB vs median 2.0 GB)'],
    [3 * GB, 'newest backup is 50% larger than usual (3.0 GB vs median 2.0 GB)'],
  ])('GIVEN a newest backup of %d bytes THEN it is a size anomaly', (bytes, summary) => {
    const p = pointer({ newestAgeHours: 1, sizes: [bytes, ...steady.slice(1)] });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 1, true) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.problems.map((x) => x.kind)).toEqual(['size-anomaly']);
    expect(status.problems[0]!.summary).toBe(summary);
  });

  test('GIVEN 25% growth within a 30% tolerance THEN no anomaly; a 20% tolerance flags it', () => {
    const p = pointer({ newestAgeHours: 1, sizes: [2.5 * GB, ...steady.slice(1)] });
    const input = { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 1, true) };
    expect(evaluateDatabase(input, DEFAULT_LIMITS, NOW).ok).toBe(true);
    expect(evaluateDatabase(input, { ...DEFAULT_LIMITS, sizeTolerance: 0.2 }, NOW).problems.map((x) => x.kind)).toEqual(['size-anomaly']);
  });

  test('GIVEN only two earlier backups THEN there is no size baseline yet', () => {
    const p = pointer({ newestAgeHours: 1, sizes: [10 * GB, GB, GB] });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 1, true) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.size).toBeUndefined();
    expect(status.ok).toBe(true);
  });

  test('GIVEN a failed verification of the newest backup THEN it names the mismatch and the previous backup is the newest good one', () => {
    const p = pointer({ newestAgeHours: 2, sizes: steady });
    const failed = verification(p.latest.backupId, 1, false, ['table public.orders has 10 rows, the manifest says 12']);
    const status = evaluateDatabase({ databaseId: DB, pointer: p, verification: failed }, DEFAULT_LIMITS, NOW);
    expect(status.problems.map((x) => x.kind)).toEqual(['verification-failed']);
    expect(status.problems[0]!.detail).toContain('table public.orders has 10 rows, the manifest says 12');
    expect(status.newestGoodBackup).toEqual({ backupId: p.previous[0]!.backupId, finishedAt: p.previous[0]!.finishedAt, verified: false });
  });

  test('GIVEN a verification 9 days old THEN it is stale', () => {
    const p = pointer({ newestAgeHours: 2, sizes: steady });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.previous[6]!.backupId, 9 * 24, true) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.problems.map((x) => x.summary)).toEqual(['newest verification is 9 d old (limit 8 d)']);
    expect(status.unverifiedSeconds).toBe(9 * 86_400);
  });

  test('GIVEN no verification THEN a new database has the verification limit as grace, an old one does not', () => {
    const young = pointer({ newestAgeHours: 2, sizes: [GB, GB] });
    expect(evaluateDatabase({ databaseId: DB, pointer: young }, DEFAULT_LIMITS, NOW).ok).toBe(true);
    const old = pointer({ newestAgeHours: 2, sizes: steady, intervalHours: 48 });
    const status = evaluateDatabase({ databaseId: DB, pointer: old }, DEFAULT_LIMITS, NOW);
    expect(status.problems.map((x) => x.kind)).toEqual(['never-verified']);
    expect(status.unverifiedSeconds).toBe((2 + 7 * 48) * 3600);
  });

  test('GIVEN several broken limits THEN every one is reported', () => {
    const p = pointer({ newestAgeHours: 50, sizes: [0.5 * GB, ...steady.slice(1)] });
    const status = evaluateDatabase(
      { databaseId: DB, pointer: p, verification: verification(p.latest.backupId, 10 * 24, false, ['checksum mismatch']) },
      DEFAULT_LIMITS,
      NOW,
    );
    expect(status.problems.map((x) => x.kind)).toEqual(['backup-stale', 'size-anomaly', 'verification-failed', 'verification-stale']);
  });
});

test.each([
  [[5], 5],
  [[3, 1, 2], 2],
  [[4, 1, 3, 2], 2.5],
])('median of %j is %d', (values, expected) => {
  expect(median(values)).toBe(expected);
});
