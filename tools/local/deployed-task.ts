import { userInfo } from 'node:os';
import * as path from 'node:path';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { execa } from 'execa';
import { overrideEnvironment, RUN_TASK_TARGET_ARN, type ScheduledRunTask } from '../../lib/jobs/run-task-request.js';
import { PROJECT_ROOT } from '../../lib/pg-backup-app.js';
import { buildProgram } from '../../src/cli/main.js';
import { runEnvironment, TASK_ENV } from '../../src/contract/task-environment.js';
import { PgBackupError } from '../../src/errors.js';
import { postgresBinDir } from '../../src/postgres/binaries.js';
import { readDockerfileImageConfig } from './image-stand-in.js';

/** Where the AWS calls go and as whom: the emulator, or a recording proxy in front of it. */
export interface AwsAccess {
  /** e.g. http://localhost:5000 */
  readonly endpoint: string;
  /** @default - dummy credentials (`testing`), which moto accepts */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface RunDeployedTaskOptions {
  /** Where the task's own AWS calls go (AWS_ENDPOINT_URL and credentials of the child), e.g. a recording proxy. */
  readonly aws: AwsAccess;
  /**
   * Where the task definition is read from.
   * @default - `aws`
   */
  readonly describeWith?: AwsAccess;
  /** Region of the task definition (the primary region). */
  readonly region: string;
  /**
   * The schedule whose run to reproduce: GetSchedule gives its RunTask request (the universal target's
   * Input), and from it the task definition family, the container overrides (the database's environment)
   * and the task role override, as ECS would apply them.
   */
  readonly schedule?: { readonly group: string; readonly name: string };
  /**
   * Or a task definition family alone, run without overrides. DescribeTaskDefinition gives its newest ACTIVE
   * revision, as `aws ecs run-task --task-definition <family>` runs.
   */
  readonly family?: string;
  /**
   * The container to run.
   * @default - the task definition's only container (it fails when there are several)
   */
  readonly container?: string;
  /** @default 170 s */
  readonly timeoutMs?: number;
  /** Stops the child (SIGTERM, as ECS stops a task). */
  readonly signal?: AbortSignal;
}

/** What one run of a deployed task was given and what it did. */
export interface DeployedTaskRun {
  readonly taskDefinitionArn: string;
  /** The schedule it reproduces, when it does. */
  readonly schedule?: { readonly group: string; readonly name: string };
  /** The container's command, from the task definition. */
  readonly command: readonly string[];
  /** The container's environment, exactly as the task definition holds it. */
  readonly taskEnvironment: Readonly<Record<string, string>>;
  /** The schedule's container overrides (the database's settings), exactly as its RunTask request holds them. */
  readonly overrideEnvironment: Readonly<Record<string, string>>;
  /** The task role the schedule's request names (stood in for by the credentials given). */
  readonly taskRoleArn?: string;
  /**
   * Stands in for the image, which no Docker engine built here: the Dockerfile's ENV for its final
   * stage (as the container would inherit it; the task environment wins), with PG_BIN_DIR this machine's.
   */
  readonly imageEnvironment: Readonly<Record<string, string>>;
  /** What the emulator and this machine must provide: the AWS endpoint, credentials, PATH, HOME. */
  readonly machineEnvironment: Readonly<Record<string, string>>;
  /** The program run in place of the image's entrypoint, with the command appended. */
  readonly argv: readonly string[];
  /** One line per thing that differs from the container on AWS. */
  readonly standIns: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

const CLI = path.join(PROJECT_ROOT, 'bin', 'pg-backup.js');
const DUMMY_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A deployed schedule's RunTask request (the universal target's Input), read through the Scheduler API. */
export async function describeDeployedSchedule(options: {
  readonly aws: AwsAccess;
  readonly region: string;
  readonly schedule: { readonly group: string; readonly name: string };
}): Promise<ScheduledRunTask> {
  const scheduler = new SchedulerClient({
    region: options.region,
    endpoint: options.aws.endpoint,
    credentials: options.aws.credentials ?? DUMMY_CREDENTIALS,
  });
  const { group, name } = options.schedule;
  try {
    const { Target } = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name })).catch((error) => {
      throw new PgBackupError(`GetSchedule ${group}/${name} failed: ${(error as Error).message}`, { cause: error });
    });
    if (Target?.Arn !== RUN_TASK_TARGET_ARN || !Target.Input) {
      throw new PgBackupError(`schedule ${group}/${name} targets ${Target?.Arn}, not ${RUN_TASK_TARGET_ARN} with an Input`);
    }
    return JSON.parse(Target.Input) as ScheduledRunTask;
  } finally {
    scheduler.destroy();
  }
}

/** The deployed container definition of `family` (its newest ACTIVE revision), read through the ECS API. */
export async function describeDeployedContainer(
  options: Pick<RunDeployedTaskOptions, 'aws' | 'region' | 'container'> & { family: string },
) {
  const ecs = new ECSClient({
    region: options.region,
    endpoint: options.aws.endpoint,
    credentials: options.aws.credentials ?? DUMMY_CREDENTIALS,
  });
  try {
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: options.family })).catch((error) => {
      throw new PgBackupError(`DescribeTaskDefinition ${options.family} failed: ${(error as Error).message}`, { cause: error });
    });
    const containers = taskDefinition?.containerDefinitions ?? [];
    const container = options.container
      ? containers.find((c) => c.name === options.container)
      : containers.length === 1
        ? containers[0]
        : undefined;
    if (!taskDefinition?.taskDefinitionArn || !container) {
      throw new PgBackupError(
        `task definition ${options.family} has ${options.container ? `no container ${options.container}` : `${containers.length} containers`} (${containers.map((c) => c.name).join(', ') || 'none'})`,
      );
    }
    return {
      taskDefinitionArn: taskDefinition.taskDefinitionArn,
      command: container.command ?? [],
      environment: Object.fromEntries((container.environment ?? []).map((e) => [e.name!, e.value ?? ''])),
    };
  } finally {
    ecs.destroy();
  }
}

/**
 * Runs a deployed ECS task's container on this machine as its schedule would start it: reads the
 * schedule's RunTask request through the Scheduler API and its task definition through the ECS API,
 * then runs the real `pg-backup` executable (bin/pg-backup.js, in place of the image's entrypoint) with
 * the definition's command and exactly the environment ECS would give the container (the definition's,
 * with the request's container overrides over it), plus only what the image and this machine must
 * provide (imageEnvironment, machineEnvironment: nothing from this process's environment leaks in).
 * Never throws for the task's own failure: the exit code, stdout and stderr are returned, for the
 * caller to judge.
 */
export async function runDeployedTask(options: RunDeployedTaskOptions): Promise<DeployedTaskRun> {
  const describeWith = options.describeWith ?? options.aws;
  const request = options.schedule
    ? await describeDeployedSchedule({ aws: describeWith, region: options.region, schedule: options.schedule })
    : undefined;
  const family = request?.TaskDefinition ?? options.family;
  if (!family) throw new PgBackupError('runDeployedTask needs a schedule or a task definition family');
  const container = await describeDeployedContainer({ ...options, family, aws: describeWith });
  const overrides = request ? overrideEnvironment(request) : {};
  const deployed = { ...container, environment: runEnvironment(container.environment, overrides) };
  const what = options.schedule ? `schedule ${options.schedule.group}/${options.schedule.name} (${family})` : `task definition ${family}`;
  const image = readDockerfileImageConfig();
  const binDir = postgresBinDir();
  if (!binDir)
    throw new PgBackupError(
      'no PostgreSQL binaries on this machine: install the server and client (Debian: apt-get install postgresql), or set PG_BIN_DIR',
    );
  const imageEnvironment = { ...image.env, ...(image.env.PG_BIN_DIR !== undefined ? { PG_BIN_DIR: binDir } : {}) };
  const credentials = options.aws.credentials ?? DUMMY_CREDENTIALS;
  const machineEnvironment: Record<string, string> = {
    AWS_ENDPOINT_URL: options.aws.endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
  };
  const unread = variablesTheCliDoesNotRead(deployed.command, deployed.environment);
  if (unread.length > 0)
    throw new PgBackupError(
      `${what} sets ${unread.join(', ')}, which \`pg-backup ${deployed.command.join(' ')}\` does not read ` +
        `(it reads ${[...cliEnvironmentNames(deployed.command[0] ?? '')].sort().join(', ')}): a variable renamed on one side of src/contract/task-environment.ts`,
    );
  const clash = Object.keys(deployed.environment).filter((name) => name in machineEnvironment);
  if (clash.length > 0) throw new PgBackupError(`${what} sets ${clash.join(', ')}, which the local run must set for the emulator`);

  const standIns = [
    `image not built (no Docker engine): ${path.relative(PROJECT_ROOT, CLI)} runs in place of its entrypoint ${JSON.stringify(image.entrypoint ?? [])}, as ${userInfo().username} (the image's USER is ${image.user ?? 'root'})`,
    `from the Dockerfile's ENV: ${Object.keys(image.env).join(', ')}` +
      (image.env.PG_BIN_DIR !== undefined ? `; PG_BIN_DIR is this machine's ${binDir} (the image's ${image.env.PG_BIN_DIR})` : ''),
    `for the emulator: AWS_ENDPOINT_URL=${options.aws.endpoint}, ${credentials === DUMMY_CREDENTIALS ? 'dummy' : 'given'} credentials in place of the task role's${request ? ` (${request.Overrides.TaskRoleArn}, the schedule's override)` : ''}; PATH and HOME of this machine`,
  ];
  const argv = [process.execPath, CLI, ...deployed.command];
  const started = Date.now();
  const result = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    extendEnv: false,
    env: { ...imageEnvironment, ...deployed.environment, ...machineEnvironment },
    cwd: image.workdir ?? PROJECT_ROOT,
    timeout: options.timeoutMs ?? 170_000,
    ...(options.signal ? { cancelSignal: options.signal, forceKillAfterDelay: 5000, killSignal: 'SIGTERM' as const } : {}),
  });
  return {
    taskDefinitionArn: deployed.taskDefinitionArn,
    ...(options.schedule ? { schedule: options.schedule } : {}),
    command: deployed.command,
    taskEnvironment: container.environment,
    overrideEnvironment: overrides,
    ...(request ? { taskRoleArn: request.Overrides.TaskRoleArn } : {}),
    imageEnvironment,
    machineEnvironment,
    argv,
    standIns,
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    seconds: (Date.now() - started) / 1000,
  };
}

/** PG_BACKUP_* variables the CLI reads outside its options: the log format (src/cli/reporters.ts) and verify's cluster user (src/postgres/throwaway-cluster.ts). */
const READ_OUTSIDE_OPTIONS: readonly string[] = [TASK_ENV.logFormat, TASK_ENV.clusterUser];

/** The PG_BACKUP_* variables `pg-backup <subcommand>` reads: its options' environment variables (commander's `.env()`), and the process-wide ones. */
export function cliEnvironmentNames(subcommand: string): Set<string> {
  const program = buildProgram();
  const command = program.commands.find((c) => c.name() === subcommand);
  if (!command)
    throw new PgBackupError(
      `pg-backup has no command ${JSON.stringify(subcommand)} (it has ${program.commands.map((c) => c.name()).join(', ')})`,
    );
  const names = [...program.options, ...command.options].map((o) => o.envVar).filter((name): name is string => name !== undefined);
  return new Set([...names, ...READ_OUTSIDE_OPTIONS]);
}

/** The PG_BACKUP_* variables of `environment` that the command does not read: each is a wiring fault (a rename on one side). */
export function variablesTheCliDoesNotRead(command: readonly string[], environment: Readonly<Record<string, string>>): string[] {
  const read = cliEnvironmentNames(command[0] ?? '');
  return Object.keys(environment).filter((name) => name.startsWith('PG_BACKUP_') && !read.has(name));
}
