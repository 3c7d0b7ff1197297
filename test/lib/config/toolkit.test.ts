import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, test } from 'vitest';
import { ID_RULES } from '../../../lib/config/id-rules.js';
import { resolveJobsConfig } from '../../../lib/config/jobs-config.js';
import { LOG_RETENTION_DAYS, logRetention } from '../../../lib/config/log-retention.js';
import { ConfigProblems } from '../../../lib/config/problems.js';
import { checkOneOf, checkText, checkWholeNumber, withDefaults } from '../../../lib/config/toolkit.js';

function problemsOf(check: (problems: ConfigProblems) => void): readonly string[] {
  const problems = new ConfigProblems();
  check(problems);
  return problems.list();
}

describe('the config toolkit', () => {
  test('withDefaults: a member left out or undefined keeps its default; a given one wins', () => {
    const defaults = { cidr: '10.80.0.0/20', maxAzs: 2 };
    expect(withDefaults<{ cidr?: string; maxAzs?: number }>(defaults, { maxAzs: undefined, cidr: '10.1.0.0/16' })).toEqual({
      cidr: '10.1.0.0/16',
      maxAzs: 2,
    });
    expect(withDefaults<{ cidr?: string; maxAzs?: number }>(defaults, undefined)).toEqual(defaults);
  });

  test.each<[string, (p: ConfigProblems) => boolean, string[]]>([
    ['a whole number in range', (p) => checkWholeNumber(3, { min: 0, max: 185 }, 'n', p), []],
    [
      'a fraction, with unit and reason',
      (p) => checkWholeNumber(2.5, { min: 21, max: 200, unit: 'GiB', reason: "Fargate's range" }, 'size', p),
      ["`size` (2.5) must be a whole number of GiB from 21 to 200 (Fargate's range)"],
    ],
    [
      'a number as text',
      (p) => checkWholeNumber('3', { min: 1, max: 6 }, 'maxAzs', p),
      ["`maxAzs` ('3') must be a whole number from 1 to 6"],
    ],
    ['one of the choices', (p) => checkOneOf('ARM64', ['ARM64', 'X86_64'], 'arch', p), []],
    ['not one of the choices', (p) => checkOneOf('ARM', ['ARM64', 'X86_64'], 'arch', p), ["`arch` ('ARM') must be one of ARM64, X86_64"]],
    [
      'a missing id',
      (p) => checkText(undefined, ID_RULES.vpcId, 'vpcId', p),
      ['`vpcId` (missing) must be a VPC id like vpc-0123456789abcdef0'],
    ],
    [
      'an app name with a double hyphen',
      (p) => checkText('pg--backup', ID_RULES.appName, 'appName', p),
      [
        "`appName` ('pg--backup') must be 3 to 24 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
      ],
    ],
  ])('%s', (_name, check, expected) => {
    let passed = false;
    const problems = problemsOf((p) => {
      passed = check(p);
    });
    expect(problems).toEqual(expected);
    expect(passed).toBe(expected.length === 0);
  });

  test("the log retention list is CDK's RetentionDays without INFINITE, and a day count resolves to its member", () => {
    expect(LOG_RETENTION_DAYS).toEqual([
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]);
    expect(logRetention(365)).toBe(logs.RetentionDays.ONE_YEAR);
    expect(() => logRetention(45)).toThrow('45 days is not a CloudWatch Logs retention period');
  });

  test('resolveJobsConfig returns the CDK types the constructs take', () => {
    expect(resolveJobsConfig()).toEqual({
      cpuArchitecture: 'ARM64',
      logRetention: logs.RetentionDays.ONE_YEAR,
      retryAttempts: 3,
      imageBuildArgs: {},
      startWindowMinutes: 60,
      databasesPerStack: 40,
    });
    expect(resolveJobsConfig({ logRetentionDays: 90, retryAttempts: undefined, startWindowMinutes: 0 })).toEqual({
      cpuArchitecture: 'ARM64',
      logRetention: logs.RetentionDays.THREE_MONTHS,
      retryAttempts: 3,
      imageBuildArgs: {},
      startWindowMinutes: 0,
      databasesPerStack: 40,
    });
  });
});
