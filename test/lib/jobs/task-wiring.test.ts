import type { Command } from 'commander';
import { afterEach, describe, expect, test } from 'vitest';
import { dumpCommand } from '../../../src/cli/commands/dump.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';
import { EXAMPLE, EXISTING_VPC_CONFIG, synthApp } from './jobs-app.js';

// The wiring contract (src/contract/task-environment.ts): the environment the jobs stack gives each container,
// fed into the CLI's own option parser. A variable renamed on either side leaves an option unset here.

type TaskDefinition = {
  Properties: { Family: string; ContainerDefinitions: { Command: string[]; Environment: { Name: string; Value: unknown }[] }[] };
};

function containerOf(config: typeof EXAMPLE, family: string) {
  const resources = synthApp(config, { monitoring: false }).jobsTemplate!.findResources('AWS::ECS::TaskDefinition') as Record<
    string,
    TaskDefinition
  >;
  const definition = Object.values(resources).find((r) => r.Properties.Family === family);
  if (!definition) throw new Error(`no task definition ${family}`);
  const container = definition.Properties.ContainerDefinitions[0]!;
  // Values resolved only at deploy (the key ARN from the storage stack) stand in as a marker.
  const environment = Object.fromEntries(
    container.Environment.map((e) => [e.Name, typeof e.Value === 'string' ? e.Value : '<resolved at deploy>']),
  );
  return { command: container.Command, environment };
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

describe('task environment -> CLI options', () => {
  test('the dump task of an RDS database: every setting reaches its option', async () => {
    const { command, environment } = containerOf(EXAMPLE, 'pg-backup-orders-db-dump');
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
    const { environment } = containerOf(EXISTING_VPC_CONFIG, 'pg-backup-billing-db-dump');
    const flags = await parsedFlags(dumpCommand(), environment);
    expect(flags).toMatchObject({
      dbId: 'billing-db',
      source: 'postgresql://billing.internal.example.com:6432/billing',
      secretArn: 'prod/billing/backup-user',
    });
    expect(flags.rdsInstance).toBeUndefined();
  });

  test('the verify task: database, bucket, key, work dir and smoke queries', async () => {
    const { command, environment } = containerOf(EXAMPLE, 'pg-backup-orders-db-verify');
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
