import { describe, expect, test } from 'vitest';
import {
  type BackupManifest,
  InvalidDocumentError,
  type LatestPointer,
  parseStoredDocument,
  STORED_DOCUMENTS,
  type VerificationRecord,
} from '../../../src/contract/manifest.js';

const AT = 's3://b/databases/orders-db/latest.json';

// GIVEN documents exactly as `pg-backup dump` and `verify` write them today (schema version 1).
const manifest: BackupManifest = {
  schemaVersion: 1,
  databaseId: 'orders-db',
  backupId: '20261122T030000Z-a1b2c3',
  source: { host: 'orders.example.com', port: 5432, database: 'orders', rdsInstance: 'orders-prod' },
  serverVersion: '16.4',
  pgDumpVersion: '17.2',
  format: 'custom',
  compression: 'zstd',
  startedAt: '2026-11-22T03:00:00.000Z',
  finishedAt: '2026-11-22T03:01:35.000Z',
  durationSeconds: 95.2,
  rawBytes: 84_000_000,
  dump: {
    key: 'databases/orders-db/backups/20261122T030000Z-a1b2c3/dump.pgdump.zst',
    versionId: 'v1',
    sha256: 'a'.repeat(64),
    storedBytes: 27_000_000,
  },
  tables: [{ schema: 'public', table: 'orders', rows: 1000 }],
};
const pointer: LatestPointer = {
  schemaVersion: 1,
  databaseId: 'orders-db',
  latest: {
    backupId: '20261122T030000Z-a1b2c3',
    finishedAt: '2026-11-22T03:01:35.000Z',
    storedBytes: 12,
    durationSeconds: 95,
    manifestKey: 'databases/orders-db/backups/20261122T030000Z-a1b2c3/manifest.json',
  },
  previous: [],
};
const verification: VerificationRecord = {
  schemaVersion: 1,
  databaseId: 'orders-db',
  backupId: '20261122T030000Z-a1b2c3',
  verifiedAt: '2026-11-22T06:10:00.000Z',
  passed: false,
  checksumOk: true,
  mismatches: ['sales.orders: 999 rows restored, the manifest says 1000'],
  smokeQueries: [{ sql: 'SELECT 1', passed: false, error: 'boom' }],
};

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect((error as Error).message.startsWith(`${AT}: `)).toBe(true);
    return (error as InvalidDocumentError).problems;
  }
  throw new Error('expected an InvalidDocumentError');
}

describe('parseStoredDocument', () => {
  test.each([
    ['manifest', STORED_DOCUMENTS.manifest, manifest],
    ['latest pointer', STORED_DOCUMENTS.latestPointer, pointer],
    ['verification record', STORED_DOCUMENTS.verification, verification],
  ] as const)('a %s as written today parses to itself', (_name, kind, document) => {
    expect(parseStoredDocument<unknown>(kind, JSON.parse(JSON.stringify(document)), AT)).toEqual(document);
  });

  test('a manifest and a verification record with the retention tier and the recovery times parse; records without them stay readable', () => {
    const recovery = {
      totalSeconds: 41.2,
      downloadSeconds: 12,
      rolesSeconds: 0.1,
      restoreSeconds: 25.3,
      analyzeSeconds: 2.1,
      countSeconds: 1.6,
      smokeQueriesSeconds: 0.1,
    };
    expect(parseStoredDocument(STORED_DOCUMENTS.manifest, { ...manifest, retentionTier: 'monthly' }, AT).retentionTier).toBe('monthly');
    expect(parseStoredDocument(STORED_DOCUMENTS.verification, { ...verification, recovery }, AT).recovery).toEqual(recovery);
    // Written before tiers and recovery times existed: the fixtures above, which have neither.
    expect(parseStoredDocument(STORED_DOCUMENTS.verification, verification, AT).recovery).toBeUndefined();
    expect(problemsOf(() => parseStoredDocument(STORED_DOCUMENTS.manifest, { ...manifest, retentionTier: 'yearly' }, AT))).toEqual([
      'retentionTier must be one of daily, weekly, monthly, got "yearly"',
    ]);
    expect(
      problemsOf(() =>
        parseStoredDocument(STORED_DOCUMENTS.verification, { ...verification, recovery: { ...recovery, totalSeconds: -1 } }, AT),
      ),
    ).toEqual(['recovery.totalSeconds must not be negative, got -1']);
  });

  test('a member this version does not know (an optional one a later pg-backup added) is accepted and dropped', () => {
    expect(parseStoredDocument(STORED_DOCUMENTS.latestPointer, { ...pointer, writtenBy: 'pg-backup 0.2' }, AT)).toEqual(pointer);
  });

  test.each<[string, unknown, string[]]>([
    [
      'a size stored as text',
      { ...pointer, latest: { ...pointer.latest, storedBytes: '12' } },
      ['latest.storedBytes must be a number, got "12"'],
    ],
    ['a missing member', { ...pointer, latest: { ...pointer.latest, finishedAt: undefined } }, ['latest.finishedAt is missing']],
    [
      'a bad entry of the history, and a foreign database id',
      { ...pointer, databaseId: 'Orders DB', previous: [{ ...pointer.latest, backupId: 'yesterday', durationSeconds: -1 }] },
      [
        'databaseId must be a database id: 1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen, got "Orders DB"',
        'previous[0].backupId must be a backup id like 20261122T030000Z-a1b2c3, got "yesterday"',
        'previous[0].durationSeconds must not be negative, got -1',
      ],
    ],
    ['a history that is not a list', { ...pointer, previous: {} }, ['previous must be a list, got Object']],
  ])('a latest pointer with %s names every bad field', (_name, document, expected) => {
    expect(problemsOf(() => parseStoredDocument(STORED_DOCUMENTS.latestPointer, document, AT))).toEqual(expected);
  });

  test.each<[string, unknown, string[]]>([
    [
      'a fractional row count and a short checksum',
      { ...manifest, tables: [{ schema: 'public', table: 'orders', rows: 1.5 }], dump: { ...manifest.dump, sha256: 'abc' } },
      ['dump.sha256 must be a SHA-256 in 64 lower-case hex digits, got "abc"', 'tables[0].rows must be a whole number, got 1.5'],
    ],
    ['another dump format', { ...manifest, format: 'plain' }, ['format must be "custom", got "plain"']],
    [
      'an unreadable time',
      { ...manifest, finishedAt: 'yesterday' },
      ['finishedAt must be an ISO 8601 time like 2026-11-22T03:00:00.000Z, got "yesterday"'],
    ],
  ])('a manifest with %s names every bad field', (_name, document, expected) => {
    expect(problemsOf(() => parseStoredDocument(STORED_DOCUMENTS.manifest, document, AT))).toEqual(expected);
  });

  test.each<[string, unknown, string]>([
    [
      'another schema version',
      { ...pointer, schemaVersion: 2 },
      'schemaVersion 2 is not one this pg-backup reads (1): written by a newer pg-backup?',
    ],
    ['no schema version', { databaseId: 'orders-db' }, 'schemaVersion is missing: not a latest pointer pg-backup wrote'],
    ['a list', [pointer], 'must be a JSON object (a latest pointer), got a list'],
    ['null', null, 'must be a JSON object (a latest pointer), got null'],
  ])('%s is refused before any field is judged', (_name, document, expected) => {
    expect(problemsOf(() => parseStoredDocument(STORED_DOCUMENTS.latestPointer, document, AT))).toEqual([expected]);
  });

  test('the message names the key, then every problem', () => {
    expect(() =>
      parseStoredDocument(STORED_DOCUMENTS.latestPointer, { ...pointer, latest: { ...pointer.latest, storedBytes: '12' } }, AT),
    ).toThrow(`${AT}: latest.storedBytes must be a number, got "12"`);
  });
});
