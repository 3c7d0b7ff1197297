import { describe, expect, test } from 'vitest';
import { isoWeekOf, retentionTagging, retentionTierOf } from '../../../src/contract/retention-tiers.js';

const at = (iso: string) => new Date(iso);

describe('the retention tier of a backup', () => {
  test.each<[string, string | undefined, string, string]>([
    ['the very first backup', undefined, '2026-11-25T02:00:00Z', 'monthly'],
    ['the first of a month, after the last day of the one before', '2026-11-30T02:00:00Z', '2026-12-01T02:00:00Z', 'monthly'],
    ['the first of an ISO week (Monday), same month', '2026-11-22T02:00:00Z', '2026-11-23T02:00:00Z', 'weekly'],
    ['a Wednesday after the Tuesday before', '2026-11-24T02:00:00Z', '2026-11-25T02:00:00Z', 'daily'],
    ['the first backup after a week without any', '2026-11-10T02:00:00Z', '2026-11-25T02:00:00Z', 'weekly'],
    ['the second backup of a day', '2026-11-25T02:00:00Z', '2026-11-25T14:00:00Z', 'daily'],
    // Months are UTC months: 23:30 on the 31st UTC is still October.
    ['late on the last day of a month, UTC', '2026-10-30T23:30:00Z', '2026-10-31T23:30:00Z', 'daily'],
  ])('%s', (_name, previous, start, tier) => {
    expect(retentionTierOf(at(start), previous ? at(previous) : undefined)).toBe(tier);
  });

  test('ISO weeks start on Monday and belong to the year of their Thursday', () => {
    expect(isoWeekOf(at('2026-11-22T23:59:59Z'))).toBe('2026-W47');
    expect(isoWeekOf(at('2026-11-23T00:00:00Z'))).toBe('2026-W48');
    expect(isoWeekOf(at('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeekOf(at('2025-12-29T12:00:00Z'))).toBe('2026-W01');
  });

  test('the tag as x-amz-tagging carries it', () => {
    expect(retentionTagging('weekly')).toBe('backup-tier=weekly');
  });
});
