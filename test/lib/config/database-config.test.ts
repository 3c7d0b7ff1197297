import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { type DatabaseConfig, resolveDatabaseJobConfig } from '../../../lib/config/database-config.js';
import { fargateMemoryChoices } from '../../../lib/config/fargate-task-size.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';

const ORDERS = example.databases[0]!;

/** The example stage with its database changed. */
function withDatabase(change: Partial<Record<keyof DatabaseConfig, unknown>>): AppConfig {
  return { ...example, databases: [{ ...ORDERS, ...change } as DatabaseConfig] };
}

describe('database job configuration', () => {
  test('defaults suit a 50 GB database: dump 02:00 UTC on 2 vCPU / 4 GiB, verify 06:00 on 4 vCPU / 16 GiB / 200 GiB', () => {
    expect(resolveDatabaseJobConfig(ORDERS)).toMatchObject({
      connection: { rdsInstance: 'orders-prod', port: 5432 },
      secret: { arn: ORDERS.secretArn },
      dumpSchedule: { cron: '0 2 * * ? *', timeZone: 'UTC' },
      verifySchedule: { cron: '0 6 * * ? *', timeZone: 'UTC' },
      dumpTask: { vcpu: 2, memoryGiB: 4 },
      verifyTask: { vcpu: 4, memoryGiB: 16, ephemeralStorageGiB: 200 },
      sslMode: 'verify-full',
    });
  });

  test("the verify schedule follows the dump schedule's time zone by default", () => {
    const resolved = resolveDatabaseJobConfig({ ...ORDERS, dumpSchedule: { cron: '0 1 * * ? *', timeZone: 'Europe/Berlin' } });
    expect(resolved?.verifySchedule).toEqual({ cron: '0 6 * * ? *', timeZone: 'Europe/Berlin' });
  });

  test('a database without a connection is monitored only (no tasks)', () => {
    expect(resolveDatabaseJobConfig({ id: 'legacy-db' })).toBeUndefined();
    expect(appConfigProblems({ ...example, databases: [{ id: 'legacy-db' }] })).toEqual([]);
  });

  test('Fargate memory choices per vCPU', () => {
    expect(fargateMemoryChoices(0.25)).toEqual([0.5, 1, 2]);
    expect(fargateMemoryChoices(2)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(fargateMemoryChoices(8)).toEqual([16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]);
    expect(fargateMemoryChoices(3)).toEqual([]);
  });

  test.each<[string, AppConfig, string[]]>([
    [
      'both an RDS instance and a host',
      withDatabase({ connection: { rdsInstance: 'orders-prod', host: 'db.example.com', database: 'orders' } }),
      [
        '`databases[0].connection` ({"rdsInstance":"orders-prod","host":"db.example.com","database":"orders"}) must name either rdsInstance, or host and database (exactly one of the two)',
      ],
    ],
    [
      'a host without a database name and a bad port',
      withDatabase({ connection: { host: 'db.example.com', port: 70000 } }),
      [
        '`databases[0].connection.database` (missing) is required with host (the database name)',
        '`databases[0].connection.port` (70000) must be a TCP port from 1 to 65535',
      ],
    ],
    [
      'a connection without a secret',
      withDatabase({ secretArn: undefined }),
      ['`databases[0].secretArn` (missing) is required: the Secrets Manager secret with the username and password (or give secretName)'],
    ],
    [
      'a secret ARN without its suffix, and an invalid RDS identifier',
      withDatabase({
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders',
        connection: { rdsInstance: 'orders_prod' },
      }),
      [
        "`databases[0].connection.rdsInstance` ('orders_prod') must be an RDS DB instance identifier (1 to 63 letters, digits and single hyphens, starting with a letter)",
        "`databases[0].secretArn` ('arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders') must be a full Secrets Manager secret ARN, with the 6-character suffix (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf)",
      ],
    ],
    [
      'an impossible Fargate size and too much ephemeral storage',
      withDatabase({ dumpTask: { vcpu: 2, memoryGiB: 32 }, verifyTask: { vcpu: 3, memoryGiB: 16, ephemeralStorageGiB: 500 } }),
      [
        "`databases[0].dumpTask.memoryGiB` (32) must be one of 4 to 16 in steps of 1 GiB with 2 vCPU (Fargate's combinations)",
        "`databases[0].verifyTask.vcpu` (3) must be one of Fargate's sizes: 0.25, 0.5, 1, 2, 4, 8, 16",
        "`databases[0].verifyTask.ephemeralStorageGiB` (500) must be a whole number of GiB from 21 to 200 (Fargate's range)",
      ],
    ],
    [
      'a five-field cron, a cron with two days, and an unknown time zone',
      withDatabase({ dumpSchedule: { cron: '0 2 * * *' }, verifySchedule: { cron: '0 6 * * 1 *', timeZone: 'Mars/Olympus' } }),
      [
        "`databases[0].dumpSchedule.cron` ('0 2 * * *') must be an EventBridge cron expression with six fields, like 0 2 * * ? * (minutes hours day-of-month month day-of-week year)",
        "`databases[0].verifySchedule.cron` ('0 6 * * 1 *') must have ? in exactly one of day-of-month (3rd field) and day-of-week (5th field), as EventBridge requires",
        "`databases[0].verifySchedule.timeZone` ('Mars/Olympus') must be an IANA time zone like UTC or Europe/Berlin",
      ],
    ],
    [
      'malformed network ids and an empty smoke query',
      withDatabase({ databaseSecurityGroupId: 'orders-sg', placement: { vpcId: 'vpc-1', subnetIds: [] }, smokeQueries: ['  '] }),
      [
        "`databases[0].placement.vpcId` ('vpc-1') must be a VPC id like vpc-0123456789abcdef0",
        '`databases[0].placement.subnetIds` ([]) must list at least one subnet id',
        "`databases[0].databaseSecurityGroupId` ('orders-sg') must be a security group id like sg-0123456789abcdef0",
        "`databases[0].smokeQueries[0]` ('  ') must be a non-empty SQL string",
      ],
    ],
    [
      'a network with both an existing VPC and createVpc, and bad jobs settings',
      {
        ...example,
        network: { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: [], createVpc: true } as never,
        jobs: { cpuArchitecture: 'ARM' as never, logRetentionDays: 10, retryAttempts: -1 },
      },
      [
        '`network.createVpc` (true) must not be given together with vpcId (use an existing VPC or create one)',
        "`jobs.cpuArchitecture` ('ARM') must be one of ARM64, X86_64",
        '`jobs.logRetentionDays` (10) must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
        "`jobs.retryAttempts` (-1) must be a whole number from 0 to 185 (EventBridge Scheduler's range)",
      ],
    ],
    [
      'an existing VPC with a malformed subnet and a new VPC CIDR that is too large',
      { ...example, network: { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: ['subnet-0123456789abcdef0', 'sn-1'] } },
      ["`network.privateSubnetIds[1]` ('sn-1') must be a subnet id like subnet-0123456789abcdef0"],
    ],
    [
      'a new VPC with a /8 CIDR and 9 AZs',
      { ...example, network: { createVpc: true, cidr: '10.0.0.0/8', maxAzs: 9, s3PrefixListId: 'pl-6da54004' } },
      [
        "`network.cidr` ('10.0.0.0/8') must be an IPv4 CIDR block from /16 to /24, like 10.80.0.0/20",
        '`network.maxAzs` (9) must be a whole number from 1 to 6',
      ],
    ],
  ])('rejects %s, naming each field and echoing its value', (_name, config, expected) => {
    expect(appConfigProblems(config)).toEqual(expected);
  });
});
