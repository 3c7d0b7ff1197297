import type { Command } from 'commander';
import { afterEach, describe, expect, test } from 'vitest';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { dumpCommand } from '../../../src/cli/commands/dump.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';
import { runEnvironment, TASK_ENV } from '../../../src/contract/task-environment.js';
import { EXAMPLE, EXISTING_VPC_CONFIG, environmentMap, schedulesOf, synthApp, taskDefinitionOf } from './jobs-app.js';

// The wiring contract (src/contract/task-environment.ts): what a container sees is its shared task definition's
// environment with its schedule's container overrides over it. That environment, as the synthesized templates
// hold both halves, is fed into the CLI's own option parser: a variable renamed on either side leaves an option
// unset here, and a variable in the wrong half (a database's setting in a shared definition) fails the split test.

/** The command and the environment the container of `schedule` runs with, deploy-time values as a marker. */
function scheduledContainer(config: AppConfig, schedule: string) {
  const template = synthApp(config, { monitoring: false }).jobsTemplate!;
  const { request } = schedulesOf(template).get(schedule)!;
  const { container } = taskDefinitionOf(template, request.TaskDefinition);
  const definition = environmentMap(container.Environment);
  const overrides = environmentMap(request.Overrides.ContainerOverrides[0]!.Environment);
  return { command: container.Command as string[], definition, overrides, environment: runEnvironment(definition, overrides) };
}

/** What the command's options hold after parsing an empty argv with `environment` as the process environment. */
async function parsedFlags(command: Command, environment: Record<string, string>): Promise<Record<string, unknown>> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('PG_BACKUP_')) delete process.env[name];
  Object.assign(process.env, environment);
  let flags: Record<string, unknown> = {};
  try {
    command.exitOverride();
    command.action((parsed: Record<string, unknown>) => {
      flags = parsed;
    });
    await command.parseAsync([], { from: 'user' });
  } finally {
    process.env = saved;
  }
  return flags;
}

afterEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('PG_BACKUP_')) delete process.env[name];
});

describe('task definition environment + schedule overrides -> CLI options', () => {
  test('the dump task of an RDS database: every setting reaches its option', async () => {
    const { command, environment } = scheduledContainer(EXAMPLE, 'orders-db-dump');
    expect(command).toEqual(['dump']);
    expect(await parsedFlags(dumpCommand(), environment)).toMatchObject({
      dbId: 'orders-db',
      bucket: 'pg-backup-backups-123456789012-eu-west-1',
      kmsKeyId: '<resolved at deploy>',
      rdsInstance: 'orders-prod',
      database: 'orders',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
      smokeQuery: ['SELECT count(*) > 0 FROM orders'],
    });
    expect(environment.PGSSLMODE).toBe('verify-full');
  });

  test('the dump task of a database by host: the source URL without a password', async () => {
    const { environment } = scheduledContainer(EXISTING_VPC_CONFIG, 'billing-db-dump');
    const flags = await parsedFlags(dumpCommand(), environment);
    expect(flags).toMatchObject({
      dbId: 'billing-db',
      source: 'postgresql://billing.internal.example.com:6432/billing',
      secretArn: 'prod/billing/backup-user',
    });
    expect(flags.rdsInstance).toBeUndefined();
  });

  test('the verify task: database, bucket, key, work dir and smoke queries', async () => {
    const { command, environment } = scheduledContainer(EXAMPLE, 'orders-db-verify');
    expect(command).toEqual(['verify']);
    expect(await parsedFlags(verifyCommand(), environment)).toMatchObject({
      dbId: 'orders-db',
      bucket: 'pg-backup-backups-123456789012-eu-west-1',
      kmsKeyId: '<resolved at deploy>',
      workDir: '/tmp',
      smokeQuery: ['SELECT count(*) > 0 FROM orders'],
      backup: 'latest',
    });
  });
});

describe('the split between shared definition and overrides', () => {
  const twoDatabases: AppConfig = {
    ...EXAMPLE,
    databases: [
      ...EXAMPLE.databases,
      {
        id: 'shop-db',
        connection: { rdsInstance: 'shop-prod', database: 'shop' },
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/shop-db/backup-login-XyZxYz',
      },
    ],
  };

  test.each(['dump', 'verify'])(
    'two databases share one %s definition: it holds only the stage settings, the overrides only theirs',
    (job) => {
      const orders = scheduledContainer(twoDatabases, `orders-db-${job}`);
      const shop = scheduledContainer(twoDatabases, `shop-db-${job}`);
      expect(shop.definition).toEqual(orders.definition);
      const perDatabase: string[] = [
        TASK_ENV.databaseId,
        TASK_ENV.secretArn,
        TASK_ENV.rdsInstance,
        TASK_ENV.database,
        TASK_ENV.source,
        TASK_ENV.smokeQueries,
        'PGSSLMODE',
      ];
      expect(Object.keys(orders.definition).filter((name) => perDatabase.includes(name))).toEqual([]);
      expect(Object.keys(orders.overrides).filter((name) => !perDatabase.includes(name))).toEqual([]);
      expect(shop.overrides[TASK_ENV.databaseId]).toBe('shop-db');
      // Nothing is set twice: an override never silently replaces a stage setting.
      expect(Object.keys(orders.overrides).filter((name) => name in orders.definition)).toEqual([]);
    },
  );
});
