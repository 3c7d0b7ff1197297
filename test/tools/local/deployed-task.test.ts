import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { TASK_ENV } from '../../../src/contract/task-environment.js';
import { cliEnvironmentNames, runDeployedTask } from '../../../tools/local/deployed-task.js';
import { readDockerfileImageConfig } from '../../../tools/local/image-stand-in.js';
import { motoEndpoint, uniqueName } from '../../support/services.js';

// Task definitions registered straight into the run's moto server (no stack): what runDeployedTask
// reads back and runs, and what it refuses to run.

async function registerTask(command: string[], environment: Record<string, string>): Promise<string> {
  const family = uniqueName('task');
  await new ECSClient({ region: 'eu-west-1', endpoint: motoEndpoint() }).send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [
        {
          name: 'pg-backup',
          image: 'stand-in',
          memory: 512,
          command,
          environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
        },
      ],
    }),
  );
  return family;
}

const aws = () => ({ endpoint: motoEndpoint() });

/** A schedule whose universal target sends a RunTask request for `family` with these overrides, as the jobs stacks write them. */
async function registerSchedule(family: string, environment: Record<string, string>): Promise<{ group: string; name: string }> {
  const scheduler = new SchedulerClient({ region: 'eu-west-1', endpoint: motoEndpoint() });
  const group = uniqueName('jobs');
  await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
  const request = {
    Cluster: 'jobs',
    TaskDefinition: family,
    LaunchType: 'FARGATE',
    Count: 1,
    StartedBy: 'shop',
    Group: 'verify',
    NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1'], SecurityGroups: ['sg-1'], AssignPublicIp: 'DISABLED' } },
    Overrides: {
      TaskRoleArn: 'arn:aws:iam::123456789012:role/shop-verify',
      ContainerOverrides: [{ Name: 'pg-backup', Environment: Object.entries(environment).map(([Name, Value]) => ({ Name, Value })) }],
    },
  };
  await scheduler.send(
    new CreateScheduleCommand({
      GroupName: group,
      Name: 'shop-verify',
      ScheduleExpression: 'cron(0 6 * * ? *)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:ecs:runTask',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        Input: JSON.stringify(request),
      },
    }),
  );
  scheduler.destroy();
  return { group, name: 'shop-verify' };
}

describe('runDeployedTask', () => {
  afterEach(() => {
    delete process.env[TASK_ENV.bucket];
  });

  test('GIVEN a task definition setting a PG_BACKUP_* variable the CLI does not read (a rename on one side) THEN it fails before running, naming it', async () => {
    const family = await registerTask(['dump'], { PG_BACKUP_DB_ID: 'shop', PG_BACKUP_BUCKETS: 'b', AWS_REGION: 'eu-west-1' });

    await expect(runDeployedTask({ aws: aws(), region: 'eu-west-1', family })).rejects.toThrow(
      `task definition ${family} sets PG_BACKUP_BUCKETS, which \`pg-backup dump\` does not read`,
    );
  });

  test("GIVEN a task definition missing a variable the CLI requires THEN the real CLI fails, this process's environment not leaking in", async () => {
    // Set here, where a leak into the child would satisfy --bucket.
    process.env[TASK_ENV.bucket] = 'leaked-bucket';
    const family = await registerTask(['verify'], { PG_BACKUP_DB_ID: 'shop', AWS_REGION: 'eu-west-1' });

    const run = await runDeployedTask({ aws: aws(), region: 'eu-west-1', family });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("required option '--bucket <name>' not specified");
    expect(run.command).toEqual(['verify']);
    expect(run.taskEnvironment).toEqual({ PG_BACKUP_DB_ID: 'shop', AWS_REGION: 'eu-west-1' });
    expect(Object.keys(run.machineEnvironment).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_ENDPOINT_URL',
      'AWS_SECRET_ACCESS_KEY',
      'HOME',
      'PATH',
    ]);
    expect(run.imageEnvironment).toMatchObject({ PG_BACKUP_LOG_FORMAT: 'json', PG_BACKUP_WORK_DIR: '/tmp', NODE_ENV: 'production' });
  });

  test('GIVEN a task that runs THEN its exit code, output and the stand-ins are returned (verify of a database with no backups)', async () => {
    const family = await registerTask(['verify'], {
      PG_BACKUP_DB_ID: 'nothing-here',
      PG_BACKUP_BUCKET: uniqueName('none'),
      AWS_REGION: 'eu-west-1',
    });

    const run = await runDeployedTask({ aws: aws(), region: 'eu-west-1', family });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/NoSuchBucket|does not exist/i);
    expect(run.taskDefinitionArn).toBe(`arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:1`);
    expect(run.standIns).toEqual([
      expect.stringMatching(/^image not built \(no Docker engine\): bin\/pg-backup\.js runs in place of its entrypoint \["pg-backup"\]/),
      expect.stringMatching(
        /^from the Dockerfile's ENV: PG_BIN_DIR, PGSSLROOTCERT, PG_BACKUP_WORK_DIR, PG_BACKUP_LOG_FORMAT, NODE_ENV; PG_BIN_DIR is this machine's /,
      ),
      `for the emulator: AWS_ENDPOINT_URL=${motoEndpoint()}, dummy credentials in place of the task role's; PATH and HOME of this machine`,
    ]);
  });

  test("GIVEN a schedule THEN the task runs with its definition's environment and the schedule's overrides over it, as ECS applies them", async () => {
    const family = await registerTask(['verify'], {
      PG_BACKUP_BUCKET: uniqueName('none'),
      AWS_REGION: 'eu-west-1',
      PG_BACKUP_WORK_DIR: '/tmp',
    });
    const schedule = await registerSchedule(family, { PG_BACKUP_DB_ID: 'shop' });

    const run = await runDeployedTask({ aws: aws(), region: 'eu-west-1', schedule });

    expect(run.schedule).toEqual(schedule);
    expect(run.taskEnvironment).toEqual({ PG_BACKUP_BUCKET: expect.any(String), AWS_REGION: 'eu-west-1', PG_BACKUP_WORK_DIR: '/tmp' });
    expect(run.overrideEnvironment).toEqual({ PG_BACKUP_DB_ID: 'shop' });
    expect(run.taskRoleArn).toBe('arn:aws:iam::123456789012:role/shop-verify');
    // The database id came from the override: without it the CLI would have refused to start (--db-id is required).
    expect(run.stderr).not.toContain("required option '--db-id");
    expect(run.stderr).toMatch(/NoSuchBucket|does not exist/i);
    expect(run.standIns.at(-1)).toContain("(arn:aws:iam::123456789012:role/shop-verify, the schedule's override)");
  });

  test('GIVEN a schedule whose overrides set a variable the CLI does not read THEN it fails before running, naming the schedule', async () => {
    const family = await registerTask(['verify'], { AWS_REGION: 'eu-west-1' });
    const schedule = await registerSchedule(family, { PG_BACKUP_DB_ID: 'shop', PG_BACKUP_SMOKE_QUERY: '[]' });
    await expect(runDeployedTask({ aws: aws(), region: 'eu-west-1', schedule })).rejects.toThrow(
      `schedule ${schedule.group}/shop-verify (${family}) sets PG_BACKUP_SMOKE_QUERY, which \`pg-backup verify\` does not read`,
    );
  });

  test('the variables the CLI reads come from its options: the wiring contract names them', () => {
    expect([...cliEnvironmentNames('dump')]).toEqual(
      expect.arrayContaining([
        TASK_ENV.databaseId,
        TASK_ENV.bucket,
        TASK_ENV.kmsKeyId,
        TASK_ENV.source,
        TASK_ENV.secretArn,
        TASK_ENV.logFormat,
      ]),
    );
    expect(cliEnvironmentNames('verify').has(TASK_ENV.source)).toBe(false);
    expect(() => cliEnvironmentNames('backup')).toThrow('pg-backup has no command "backup"');
  });
});

describe('readDockerfileImageConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-backup-dockerfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['declared again in the stage: the global default', 'ARG PG_MAJOR\n', '/usr/lib/postgresql/17/bin'],
    ['not declared again: empty, as docker build makes it', '', '/usr/lib/postgresql//bin'],
  ])('a build argument from before the first FROM, %s', (_, redeclare, binDir) => {
    const file = join(dir, `Dockerfile-${redeclare ? 'arg' : 'none'}`);
    writeFileSync(
      file,
      `ARG PG_MAJOR=17\nFROM node AS build\nENV IGNORED=1\nFROM postgres:\${PG_MAJOR}\n${redeclare}ENV PG_BIN_DIR=/usr/lib/postgresql/\${PG_MAJOR}/bin \\\n    A="x y" \\\n    B=$A\nUSER postgres\nWORKDIR /tmp\nENTRYPOINT ["pg-backup"]\n`,
    );
    expect(readDockerfileImageConfig(file)).toEqual({
      env: { PG_BIN_DIR: binDir, A: 'x y', B: 'x y' },
      user: 'postgres',
      workdir: '/tmp',
      entrypoint: ['pg-backup'],
    });
  });

  test("the repository's Dockerfile: the image's ENV the local runs stand in for", () => {
    expect(readDockerfileImageConfig()).toEqual({
      env: {
        PG_BIN_DIR: '/usr/lib/postgresql/17/bin',
        PGSSLROOTCERT: '/etc/ssl/certs/rds-ca-bundle.pem',
        PG_BACKUP_WORK_DIR: '/tmp',
        PG_BACKUP_LOG_FORMAT: 'json',
        NODE_ENV: 'production',
      },
      user: 'postgres',
      workdir: '/tmp',
      entrypoint: ['pg-backup'],
    });
  });
});
