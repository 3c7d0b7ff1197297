import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { InvalidConfigError } from '../../../lib/config/problems.js';
import { appConfigProblems, validateAppConfig } from '../../../lib/config/validate-app-config.js';

/** The example stage as a trial: the replica in the main account, not production. */
const { vault: _vault, ...exampleInOneAccount } = example;
const TRIAL: AppConfig = {
  ...exampleInOneAccount,
  production: false,
  replicaRegion: 'eu-central-1',
  storage: { ...example.storage, objectLock: { mode: 'GOVERNANCE', days: 35 } },
};

/** The trial stage with some fields replaced. */
function withChanges(change: (config: AppConfig) => Record<string, unknown>): AppConfig {
  return { ...TRIAL, ...change(TRIAL) } as AppConfig;
}

/** The production example stage with some fields replaced. */
function productionWith(change: (config: AppConfig) => Record<string, unknown>): AppConfig {
  return { ...example, ...change(example) } as AppConfig;
}

describe('validateAppConfig', () => {
  test('the example stage is valid', () => {
    expect(appConfigProblems(example)).toEqual([]);
    expect(() => validateAppConfig(example, 'config/stages/example.ts')).not.toThrow();
  });

  test.each<[string, AppConfig, string[]]>([
    [
      'replica region equal to the primary',
      withChanges(() => ({ replicaRegion: 'eu-west-1' })),
      ["`replicaRegion` ('eu-west-1') must differ from primaryRegion (a replica in the same region survives no regional outage)"],
    ],
    [
      'a replication lag limit too short to mean anything',
      withChanges(() => ({ replication: { maxLag: '5m' } })),
      ["`replication.maxLag` ('5m') must be from 15 min to 7 d (replication metrics come per minute; a copy a week late is no copy)"],
    ],
    [
      'a replication lag limit that is no duration',
      withChanges(() => ({ replication: { maxLag: 'soon' } })),
      ["`replication.maxLag` ('soon') must be a duration like 45m, 3h or 1d"],
    ],
    [
      'an unknown region',
      withChanges(() => ({ primaryRegion: 'eu-westeros-1' })),
      ["`primaryRegion` ('eu-westeros-1') must be an AWS commercial region like eu-west-1 (see lib/config/aws-regions.ts)"],
    ],
    [
      'retention shorter than the Object Lock period',
      withChanges((c) => ({ storage: { ...c.storage, retentionDays: 30, objectLock: { mode: 'GOVERNANCE', days: 35 }, lifecycle: {} } })),
      [
        '`storage.retentionDays` (30) must be at least the Object Lock period (`storage.objectLock.days`: 35 days)',
        '`storage.retentionDays` (30) must be at least archiveAfterDays + 90 (180): GLACIER bills 90 days at least',
      ],
    ],
    [
      'lifecycle transitions out of order',
      withChanges((c) => ({ storage: { ...c.storage, lifecycle: { infrequentAccessAfterDays: 60, archiveAfterDays: 45 } } })),
      [
        '`storage.lifecycle.archiveAfterDays` (45) must be at least 30 days after infrequentAccessAfterDays (60): S3 keeps objects in STANDARD_IA that long before an archive class',
      ],
    ],
    [
      "a transition under S3's minimum days",
      withChanges((c) => ({ storage: { ...c.storage, lifecycle: { infrequentAccessAfterDays: 7 } } })),
      ["`storage.lifecycle.infrequentAccessAfterDays` (7) must be at least 30 (S3's minimum before STANDARD_IA)"],
    ],
    [
      'retention ending before the archive class minimum',
      withChanges((c) => ({ storage: { ...c.storage, retentionDays: 200, lifecycle: { archiveStorageClass: 'DEEP_ARCHIVE' } } })),
      ['`storage.retentionDays` (200) must be at least archiveAfterDays + 180 (270): DEEP_ARCHIVE bills 180 days at least'],
    ],
    [
      'a malformed e-mail',
      withChanges(() => ({ alerts: { emails: ['ops@example.com', 'ops at example.com'] } })),
      ["`alerts.emails[1]` ('ops at example.com') must be an e-mail address like ops@example.com"],
    ],
    [
      'duplicate database ids',
      withChanges(() => ({ databases: [{ id: 'orders-db' }, { id: 'billing-db' }, { id: 'orders-db' }] })),
      ["`databases[2].id` ('orders-db') duplicates databases[0].id (ids must be unique)"],
    ],
    [
      'an unknown Object Lock mode',
      withChanges((c) => ({ storage: { ...c.storage, objectLock: { mode: 'LEGAL_HOLD', days: 35 } } })),
      ["`storage.objectLock.mode` ('LEGAL_HOLD') must be one of GOVERNANCE, COMPLIANCE"],
    ],
    [
      'an invalid app name and account',
      withChanges(() => ({ appName: 'PG_Backup', account: '1234' })),
      [
        "`appName` ('PG_Backup') must be 3 to 24 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
        "`account` ('1234') must be a 12-digit AWS account id (in quotes)",
      ],
    ],
    [
      'a malformed database id',
      withChanges(() => ({ databases: [{ id: 'Orders_DB' }] })),
      ["`databases[0].id` ('Orders_DB') must be 1 to 48 lower-case letters, digits and hyphens, not starting or ending with a hyphen"],
    ],
    [
      'no way to deliver alerts',
      withChanges(() => ({ alerts: { emails: [] } })),
      ['`alerts.emails` ([]) must list at least one address when alerts.slack is not set (alerts would reach nobody)'],
    ],
    [
      'malformed Slack ids',
      withChanges(() => ({ alerts: { emails: [], slack: { workspaceId: 'my-team', channelId: '#backups' } } })),
      [
        "`alerts.slack.workspaceId` ('my-team') must be an AWS Chatbot workspace id (upper-case letters and digits, like T0123ABCD)",
        "`alerts.slack.channelId` ('#backups') must be a Slack channel id (letters and digits, like C0123ABCDEF)",
      ],
    ],
    [
      'Object Lock days that are not whole days',
      withChanges((c) => ({ storage: { ...c.storage, objectLock: { mode: 'COMPLIANCE', days: 0.5 } } })),
      ['`storage.objectLock.days` (0.5) must be a whole number of days from 1 to 36500'],
    ],
  ])('rejects %s, naming the field and echoing the value', (_name, config, expected) => {
    expect(appConfigProblems(config)).toEqual(expected);
  });

  test('a trial stage (replica in the main account, not production) is valid', () => {
    expect(appConfigProblems(TRIAL)).toEqual([]);
  });

  test.each<[string, AppConfig, string[]]>([
    [
      'no vault and no reason',
      (() => {
        const { vault: _v, ...rest } = example;
        return { ...rest, replicaRegion: 'eu-central-1' } as AppConfig;
      })(),
      [
        '`vault` (missing) is required for a production stage (without it an administrator (or the root user) of this account can reach both copies, and one compromised account loses the backups and their alerts together), or give the reason in acknowledgements.sameAccountReplica',
      ],
    ],
    [
      'a GOVERNANCE lock shorter than the retention',
      productionWith((c) => ({ storage: { ...c.storage, objectLock: { mode: 'GOVERNANCE', days: 35 } } })),
      [
        "`storage.objectLock.mode` ('GOVERNANCE') must be COMPLIANCE for a production stage (GOVERNANCE locks can be lifted by anyone allowed s3:BypassGovernanceRetention), or give the reason in acknowledgements.weakerObjectLock",
        '`storage.objectLock.days` (35) must be at least 400 for a production stage (90 days, and no shorter than the retention of 400 days, so no backup is ever unlocked before it expires), or give the reason in acknowledgements.weakerObjectLock',
      ],
    ],
    [
      'a vault without its key ARN',
      productionWith((c) => ({ vault: { account: c.vault!.account, region: c.vault!.region } })),
      [
        '`vault.replicaKeyArn` (missing) is required for a production stage: deploy the vault stack first (`cdk deploy -c vaultFirst=true <app>-replica-storage`), then copy its ReplicaKeyArn output here, so replication names the key by ARN, not by an alias',
      ],
    ],
    [
      'a vault in the main account, in the primary region, with a key of another account',
      productionWith(() => ({
        vault: {
          account: '123456789012',
          region: 'eu-west-1',
          replicaKeyArn: 'arn:aws:kms:eu-central-1:999999999999:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        },
      })),
      [
        "`vault.account` ('123456789012') must differ from `account`: a vault in the main account protects nothing more",
        "`vault.replicaKeyArn` ('arn:aws:kms:eu-central-1:999999999999:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d') must be a key of the vault account in its region (…:kms:eu-west-1:123456789012:key/…)",
        "`vault.region` ('eu-west-1') must differ from primaryRegion (a replica in the same region survives no regional outage)",
      ],
    ],
    [
      'a reason too short to review, and a break-glass role name that is not one',
      productionWith((c) => ({
        protection: { breakGlassRoleName: 'break glass!' },
        acknowledgements: { weakerObjectLock: 'because' },
        storage: { ...c.storage, objectLock: { mode: 'GOVERNANCE', days: 400 } },
      })),
      [
        "`protection.breakGlassRoleName` ('break glass!') must be an IAM role name (1 to 64 letters, digits and +=,.@_-)",
        "`acknowledgements.weakerObjectLock` ('because') must be a reason a reviewer can accept (at least 20 characters)",
      ],
    ],
  ])('a production stage with %s fails, naming the field', (_name, config, expected) => {
    expect(appConfigProblems(config)).toEqual(expected);
  });

  test('a production stage may keep a weaker lock or its replica at home when the config says why', () => {
    const { vault: _v, ...rest } = example;
    const config = {
      ...rest,
      replicaRegion: 'eu-central-1',
      storage: { ...example.storage, objectLock: { mode: 'GOVERNANCE', days: 35 } },
      acknowledgements: {
        sameAccountReplica: 'a second account is being set up by the platform team (ticket OPS-1234), until then one account',
        weakerObjectLock: "legal requires deleting a customer's data within 60 days of a request; governance lets the DPO do it",
      },
    } as AppConfig;
    expect(appConfigProblems(config)).toEqual([]);
  });

  test('reports every problem at once in one InvalidConfigError naming the source', () => {
    const config = withChanges((c) => ({
      replicaRegion: 'eu-west-1',
      storage: { ...c.storage, retentionDays: 400, objectLock: { mode: 'FOREVER', days: 500 } },
      alerts: { emails: ['nobody'] },
      databases: [{ id: 'a' }, { id: 'a' }],
    }));
    let error: unknown;
    try {
      validateAppConfig(config, 'config/stages/broken.ts');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).message).toBe(
      [
        'Invalid configuration in config/stages/broken.ts (5 problems):',
        "  - `replicaRegion` ('eu-west-1') must differ from primaryRegion (a replica in the same region survives no regional outage)",
        "  - `storage.objectLock.mode` ('FOREVER') must be one of GOVERNANCE, COMPLIANCE",
        '  - `storage.retentionDays` (400) must be at least the Object Lock period (`storage.objectLock.days`: 500 days)',
        "  - `alerts.emails[0]` ('nobody') must be an e-mail address like ops@example.com",
        "  - `databases[1].id` ('a') duplicates databases[0].id (ids must be unique)",
      ].join('\n'),
    );
  });
});
