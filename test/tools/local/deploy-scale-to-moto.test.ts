import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { beforeAll, describe, expect, test } from 'vitest';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { type DeployedApp, deployAppToMoto } from '../../../tools/local/deploy-to-moto.js';
import { readDeployedFreshnessFunction } from '../../../tools/local/deployed-function.js';
import { describeDeployedContainer, describeDeployedSchedule } from '../../../tools/local/deployed-task.js';
import { inOneAccount } from '../../../tools/local/one-account-stage.js';
import { estateStage } from '../../../tools/local/scale-stage.js';
import { motoEndpoint, uniqueName } from '../../support/services.js';

// Issue 14: a 50-database stage (tools/local/scale-stage.ts: RDS and host databases, some verifying on a volume)
// deploys to the run's moto server with cdklocal, its second jobs stack included, and reads back as deployed.

const config: AppConfig = { ...inOneAccount(estateStage(50)), appName: uniqueName('scale') };
let deployed: DeployedApp;
let seconds: number;

beforeAll(async () => {
  const started = Date.now();
  deployed = await deployAppToMoto({ endpoint: motoEndpoint(), config, completeBuckets: false });
  seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `deployed 50 databases to moto in ${seconds.toFixed(0)} s: ${deployed.stacks.map((s) => `${s.name} ${s.seconds.toFixed(0)} s`).join(', ')}\n`,
  );
}, 900_000);

const aws = { region: 'eu-west-1', endpoint: motoEndpoint(), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };

describe('a stage of 50 databases, deployed to moto', () => {
  test('deploys every stack, the second jobs stack after the first', () => {
    expect(deployed.stacks.map((s) => s.name)).toEqual([
      `${config.appName}-replica-storage`,
      `${config.appName}-primary-storage`,
      `${config.appName}-jobs`,
      `${config.appName}-jobs-2`,
      `${config.appName}-monitoring`,
    ]);
  });

  test('every database has its two schedules in the group, each naming a role moto created and a shared definition it registered', async () => {
    expect(Object.keys(deployed.schedules)).toHaveLength(50);
    const scheduler = new SchedulerClient(aws);
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await scheduler.send(new ListSchedulesCommand({ GroupName: `${config.appName}-jobs`, NextToken }));
      names.push(...(page.Schedules ?? []).map((s) => s.Name!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(names).toHaveLength(100);

    // The roles moto's CloudFormation created in the jobs stacks, by name.
    const cloudFormation = new CloudFormationClient(aws);
    const roles = new Set<string>();
    for (const stack of [`${config.appName}-jobs`, `${config.appName}-jobs-2`]) {
      let token: string | undefined;
      do {
        const page = await cloudFormation.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
        for (const r of page.StackResourceSummaries ?? []) if (r.ResourceType === 'AWS::IAM::Role') roles.add(r.PhysicalResourceId!);
        token = page.NextToken;
      } while (token);
    }
    const families = new Set<string>();
    // Databases 1, 20 (a volume), 40 (the last of the first stack, a host), 41 (the first of the second) and 50.
    for (const id of ['tenant-001', 'tenant-020', 'tenant-040', 'tenant-041', 'tenant-050']) {
      for (const job of ['dump', 'verify'] as const) {
        const request = await describeDeployedSchedule({
          aws: { endpoint: motoEndpoint() },
          region: 'eu-west-1',
          schedule: deployed.schedules[id]![job],
        });
        expect(request.StartedBy).toBe(id);
        expect(roles, `${id} ${job}`).toContain(request.Overrides.TaskRoleArn.split('/').pop());
        families.add(request.TaskDefinition);
        if (id === 'tenant-020' && job === 'verify') {
          expect(request.VolumeConfigurations?.[0]?.ManagedEBSVolume).toMatchObject({ SizeInGiB: 1000, Throughput: 500, Encrypted: true });
        }
      }
    }
    for (const family of families) {
      const container = await describeDeployedContainer({ aws: { endpoint: motoEndpoint() }, region: 'eu-west-1', family });
      expect(container.taskDefinitionArn, family).toContain(family);
    }
  });

  test("the freshness function's deployed configuration lists all 50 databases from their SSM parameters", async () => {
    const fn = await readDeployedFreshnessFunction({
      aws: { endpoint: motoEndpoint() },
      region: 'eu-west-1',
      functionName: deployed.freshnessFunctionName,
    });
    expect(fn.config.databases.map((d) => d.id)).toEqual(Array.from({ length: 50 }, (_, i) => `tenant-${String(i + 1).padStart(3, '0')}`));
  });

  test('took a bounded time (measured: printed above)', () => {
    expect(seconds).toBeLessThan(900);
  });
});
