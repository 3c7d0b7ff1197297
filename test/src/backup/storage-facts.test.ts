import type { LifecycleRule } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { lifecycleExpiry } from '../../../src/backup/storage-facts.js';
import { commandLine } from '../../../src/cli/archive-flags.js';
import { alertTopicArnOfBucket, backupBucketName, parseBackupBucketName } from '../../../src/contract/resource-names.js';

const created = new Date('2026-03-10T02:15:00Z');
const rule = (over: Partial<LifecycleRule>): LifecycleRule => ({
  ID: 'r',
  Status: 'Enabled',
  Filter: { Prefix: '' },
  Expiration: { Days: 400 },
  ...over,
});

describe('lifecycleExpiry: when S3 expires a current version', () => {
  test('creation + days, rounded up to the next midnight UTC, naming the rule', () => {
    expect(lifecycleExpiry([rule({ ID: 'tier-and-expire-backups' })], 'databases/a/backups/x/dump.pgdump.zst', 10, created)).toEqual({
      at: '2027-04-15T00:00:00.000Z',
      source: 'lifecycle rule tier-and-expire-backups',
    });
  });

  test('the earliest of the enabled rules whose prefix and size match; disabled, other prefixes and sizes do not count', () => {
    const rules = [
      rule({ ID: 'disabled', Status: 'Disabled', Expiration: { Days: 1 } }),
      rule({ ID: 'other-prefix', Filter: { Prefix: 'logs/' }, Expiration: { Days: 2 } }),
      rule({ ID: 'big-only', Filter: { ObjectSizeGreaterThan: 1_000_000 }, Expiration: { Days: 3 } }),
      rule({ ID: 'databases', Filter: { And: { Prefix: 'databases/', ObjectSizeLessThan: 1_000_000 } }, Expiration: { Days: 30 } }),
      rule({ ID: 'all', Expiration: { Days: 400 } }),
      rule({ ID: 'transitions only', Expiration: undefined }),
    ];
    expect(lifecycleExpiry(rules, 'databases/a/backups/x/dump.pgdump.zst', 10, created)).toEqual({
      at: '2026-04-10T00:00:00.000Z',
      source: 'lifecycle rule databases',
    });
  });

  test('a rule that filters by tags is named, not guessed', () => {
    const rules = [
      rule({
        ID: 'monthly',
        Filter: { And: { Prefix: 'databases/', Tags: [{ Key: 'tier', Value: 'monthly' }] } },
        Expiration: { Days: 3650 },
      }),
    ];
    expect(lifecycleExpiry(rules, 'databases/a/backups/x/dump.pgdump.zst', 10, created)).toEqual({
      unknown: "may come sooner, by the object's tags: rule monthly (tier=monthly)",
    });
  });

  test("with the object's tags known (the manifest's tier), a rule filtered by tags is judged", () => {
    const rules = [
      rule({ ID: 'all', Expiration: { Days: 3650 } }),
      ...(['daily', 'monthly'] as const).map((tier, i) =>
        rule({
          ID: `expire-${tier}-backups`,
          Filter: { And: { Prefix: 'databases/', Tags: [{ Key: 'backup-tier', Value: tier }] } },
          Expiration: { Days: [35, 400][i] },
        }),
      ),
    ];
    const key = 'databases/a/backups/x/dump.pgdump.zst';
    expect(lifecycleExpiry(rules, key, 10, created, { 'backup-tier': 'daily' })).toEqual({
      at: '2026-04-15T00:00:00.000Z',
      source: 'lifecycle rule expire-daily-backups',
    });
    expect(lifecycleExpiry(rules, key, 10, created, { 'backup-tier': 'monthly' })).toEqual({
      at: '2027-04-15T00:00:00.000Z',
      source: 'lifecycle rule expire-monthly-backups',
    });
    // A tag no rule names: only the untagged rule applies.
    expect(lifecycleExpiry(rules, key, 10, created, { 'backup-tier': 'weekly' })?.source).toBe('lifecycle rule all');
  });

  test('no rule: no expiry', () => {
    expect(lifecycleExpiry([], 'k', 1, created)).toBeUndefined();
  });
});

describe('the alert topic beside a bucket, from its name', () => {
  test.each([
    [backupBucketName('pg-backup', '123456789012', 'eu-west-1'), 'arn:aws:sns:eu-west-1:123456789012:pg-backup-alerts'],
    [backupBucketName('shop-backups', '210987654321', 'eu-central-1'), 'arn:aws:sns:eu-central-1:210987654321:shop-backups-alerts'],
    ['my-own-bucket', undefined],
    ['pg-backup-backups-12345-eu-west-1', undefined],
  ])('%s -> %s', (bucket, topic) => {
    expect(alertTopicArnOfBucket(bucket)).toBe(topic);
  });

  test('round trip', () => {
    expect(parseBackupBucketName(backupBucketName('a-b', '123456789012', 'us-gov-west-1'))).toEqual({
      appName: 'a-b',
      account: '123456789012',
      region: 'us-gov-west-1',
    });
  });
});

test('the command line to run again: quoted as typed, passwords redacted', () => {
  expect(
    commandLine(['node', 'pg-backup', 'restore', '--target', 'postgresql://u:secret@h/db', '--smoke-query', "SELECT 'x'", '--yes']),
  ).toBe(`pg-backup restore --target 'postgresql://u:***@h/db' --smoke-query 'SELECT '\\''x'\\''' --yes`);
});
