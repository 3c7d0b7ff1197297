import type { JobKind } from './job-kind.js';

/**
 * The ECS RunTask request a schedule sends, as EventBridge Scheduler's universal target
 * (`arn:aws:scheduler:::aws-sdk:ecs:runTask`) takes it in the target's Input: the RunTask API's
 * parameters with their names in PascalCase (the AWS SDK model's member names, first letter upper-case;
 * Scheduler refuses the camelCase of ECS's own JSON). Only what the jobs use is typed here.
 *
 * The templated ECS target (EcsParameters) has no overrides: a task role or container environment per
 * run needs this universal target.
 */
export interface ScheduledRunTask {
  /** The cluster's name. */
  readonly Cluster: string;
  /** A family: ECS runs its newest ACTIVE revision, so a new revision needs no change to the schedules. */
  readonly TaskDefinition: string;
  readonly LaunchType: 'FARGATE';
  readonly Count: 1;
  /** The database's id: the failed-task alert names it, and `aws ecs list-tasks --started-by <id>` finds its runs. */
  readonly StartedBy: string;
  /** The job (`dump` or `verify`): the failed-task alert names it. */
  readonly Group: JobKind;
  readonly NetworkConfiguration: {
    readonly AwsvpcConfiguration: {
      readonly Subnets: readonly string[];
      readonly SecurityGroups: readonly string[];
      readonly AssignPublicIp: 'DISABLED';
    };
  };
  readonly Overrides: {
    /** The database's own task role (its prefix only). */
    readonly TaskRoleArn: string;
    readonly ContainerOverrides: readonly {
      readonly Name: string;
      /** src/contract/task-environment.ts dumpRunEnvironment / verifyRunEnvironment. */
      readonly Environment: readonly { readonly Name: string; readonly Value: string }[];
    }[];
  };
  /** A verify of a large database: the work volume of its task definition (configuredAtLaunch), an encrypted gp3 volume. */
  readonly VolumeConfigurations?: readonly {
    readonly Name: string;
    readonly ManagedEBSVolume: {
      readonly SizeInGiB: number;
      readonly VolumeType: 'gp3';
      readonly Throughput: number;
      readonly Iops: number;
      readonly Encrypted: true;
      readonly KmsKeyId: string;
      readonly FilesystemType: 'ext4';
      /** The ECS infrastructure role that creates, attaches and deletes the volume. */
      readonly RoleArn: string;
      readonly TerminationPolicy: { readonly DeleteOnTermination: true };
    };
  }[];
  /** The database and the job, on the task: cost per database in Cost Explorer, and `aws ecs list-tasks` filters. */
  readonly Tags: readonly { readonly Key: string; readonly Value: string }[];
  /** The task definition's tags (`app`) on the task too. */
  readonly PropagateTags: 'TASK_DEFINITION';
  /** ECS's own tags (`aws:ecs:clusterName`). */
  readonly EnableECSManagedTags: true;
}

/** The EventBridge Scheduler universal target that calls ECS RunTask. */
export const RUN_TASK_TARGET_ARN = 'arn:aws:scheduler:::aws-sdk:ecs:runTask';

/** Tags on every task (and the StartedBy) naming the database and the job. */
export const TASK_TAGS = { database: 'pg-backup:database', job: 'pg-backup:job' } as const;

/** The schedule group of a stage's jobs: `<appName>-jobs`. */
export function scheduleGroupName(appName: string): string {
  return `${appName}-jobs`;
}

/** A database's schedule of one job, in the stage's group: `<database id>-<job>` (at most 55 characters). */
export function scheduleName(databaseId: string, job: JobKind): string {
  return `${databaseId}-${job}`;
}

/** The container environment of a RunTask request's first container override, as a map. */
export function overrideEnvironment(request: Pick<ScheduledRunTask, 'Overrides'>): Record<string, string> {
  return Object.fromEntries((request.Overrides.ContainerOverrides[0]?.Environment ?? []).map((e) => [e.Name, e.Value]));
}
