import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AccessConfig } from '../../../lib/config/access-config.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';
import { PROOF_STAGE } from '../../../tools/access/proof-stage.js';

function withAccess(access: unknown): AppConfig {
  return { ...example, access: access as AccessConfig };
}

describe('access: who may assume the viewer and restorer roles', () => {
  test('a viewer and a restorer per database (the proof stage) are valid; so is a stage without access (the example)', () => {
    expect(PROOF_STAGE.access).toMatchObject({
      viewers: [expect.any(String)],
      restorers: [
        { name: 'orders-oncall', databases: ['orders-db'] },
        { name: 'billing-oncall', databases: ['billing-db'] },
      ],
    });
    expect(appConfigProblems(PROOF_STAGE)).toEqual([]);
    expect(example.access).toBeUndefined();
    expect(appConfigProblems(example)).toEqual([]);
  });

  test.each<[string, unknown, string[]]>([
    [
      'a session ARN instead of a principal',
      { viewers: ['arn:aws:sts::123456789012:assumed-role/oncall/alice'] },
      [
        "`access.viewers[0]` ('arn:aws:sts::123456789012:assumed-role/oncall/alice') must be the ARN of an IAM user, role or account root, like arn:aws:iam::123456789012:role/oncall (an assumed-role session ARN is not a principal)",
      ],
    ],
    [
      'an empty viewer list',
      { viewers: [] },
      ['`access.viewers` ([]) must list at least one principal ARN (leave the role out to have none)'],
    ],
    [
      'a restorer of a database the stage does not have, a name with capitals, a principal twice',
      {
        restorers: [
          {
            name: 'Orders',
            principals: ['arn:aws:iam::123456789012:role/oncall', 'arn:aws:iam::123456789012:role/oncall'],
            databases: ['orders-db', 'billing-db'],
          },
        ],
      },
      [
        "`access.restorers[0].name` ('Orders') must be 1 to 24 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
        "`access.restorers[0].principals[1]` ('arn:aws:iam::123456789012:role/oncall') is listed twice",
        "`access.restorers[0].databases[1]` ('billing-db') must be the id of a configured database (orders-db)",
      ],
    ],
    [
      'two restorers with one name, one without databases',
      {
        restorers: [
          { name: 'oncall', principals: ['arn:aws:iam::123456789012:root'], databases: ['orders-db'] },
          { name: 'oncall', principals: ['arn:aws:iam::123456789012:user/alice'], databases: [] },
        ],
      },
      [
        "`access.restorers[1].name` ('oncall') duplicates access.restorers[0].name (each names a role)",
        '`access.restorers[1].databases` ([]) must list at least one id of `databases` (the backups this role may restore)',
      ],
    ],
  ])('%s', (_name, access, expected) => {
    expect(appConfigProblems(withAccess(access))).toEqual(expected);
  });
});
