import { describe, expect, test } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parseTolerance } from '../../../../src/contract/freshness/duration.js';
import { parseLimits } from '../../../../src/contract/freshness/limits.js';

describe('parseDuration', () => {
  test.each([
    ['45s', 45],
    ['90m', 5400],
    ['26h', 93_600],
    ['8d', 691_200],
    ['1.5h', 5400],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  test.each(['', '26', 'h', '26 hours', '-1h', '0s', '1w', '26H'])('rejects %j naming the field and echoing the value', (text) => {
    expect(() => parseDuration(text, '--max-age')).toThrow(
      `--max-age (${JSON.stringify(text)}) must be a positive duration like 45s, 90m, 26h or 8d`,
    );
  });
});

describe('parseTolerance', () => {
  test.each([
    ['30%', 0.3],
    ['5%', 0.05],
    ['12.5%', 0.125],
  ])('%s is %d', (text, fraction) => {
    expect(parseTolerance(text)).toBeCloseTo(fraction, 10);
  });

  test.each(['30', '0%', '-5%', 'thirty%', '0.3'])('rejects %j', (text) => {
    expect(() => parseTolerance(text, '--size-tolerance')).toThrow(
      `--size-tolerance (${JSON.stringify(text)}) must be a percentage like 30%`,
    );
  });
});

describe('parseLimits', () => {
  test('defaults are 26h, 8d and 30%', () => {
    expect(parseLimits()).toEqual({ maxBackupAgeSeconds: 26 * 3600, maxVerificationAgeSeconds: 8 * 86_400, sizeTolerance: 0.3 });
  });

  test('names the field with its path', () => {
    expect(() => parseLimits({ maxVerificationAge: '8 days' }, 'monitoring.')).toThrow('monitoring.maxVerificationAge ("8 days") must be');
  });
});

describe('formatting for alert text', () => {
  test.each([
    [40, '40 s'],
    [12 * 60, '12 min'],
    [31 * 3600 + 59 * 60, '31 h'],
    [26 * 3600, '26 h'],
    [9 * 86_400 + 3600, '9 d'],
  ])('%i seconds reads %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test.each([
    [17, '17 B'],
    [820_000, '820 kB'],
    [312_400_000, '312 MB'],
    [1_400_000_000, '1.4 GB'],
  ])('%i bytes reads %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
