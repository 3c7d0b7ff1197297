import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  dumpTaskDefinitionEnvironment,
  type StageJobSettings,
  verifyTaskDefinitionEnvironment,
} from '../../src/contract/task-environment.js';
import type { VerifyStorage } from '../config/database-config.js';
import type { TaskSizeConfig } from '../config/fargate-task-size.js';
import type { CpuArchitecture } from '../config/jobs-config.js';
import type { JobKind } from './job-kind.js';
import { ecsTasksPrincipal } from './task-trust.js';

/**
 * Where the container may write: /tmp, the rest of its file system read-only. Usually a Fargate bind mount
 * (the task's ephemeral storage; the image declares `VOLUME ["/tmp"]`, so ECS copies its mode 1777); for a
 * large database's verify, an EBS volume attached at launch.
 */
export const WORK_DIR = '/tmp';

/** The name of the work volume in every task definition (and in a RunTask volume configuration). */
export const WORK_VOLUME = 'work';

/** The container's name in every task definition: the RunTask container overrides name it. */
export const CONTAINER_NAME = 'pg-backup';

/** `/<appName>/jobs`: one log group for every job of the stage, streams `dump/...` and `verify/...`; fixed, because alerts and the runbook name it. */
export function jobsLogGroupName(appName: string): string {
  return `/${appName}/jobs`;
}

/** One shared task definition: a job kind at one size (and, for verify, one kind of work storage). */
export interface JobTaskDefinition {
  readonly job: JobKind;
  /** Part of the schedules' RunTask requests and the run-now commands, so a fixed name. */
  readonly family: string;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** Whether each run attaches an EBS volume as its work volume (RunTask volumeConfigurations). */
  readonly workOnVolume: boolean;
}

export interface JobTaskDefinitionsProps {
  /** Prefix of the families and the log group name. */
  readonly appName: string;
  readonly image: ecs.ContainerImage;
  readonly cpuArchitecture: CpuArchitecture;
  /** What every job of the stage is told (bucket, backup key, region), in the task definitions' environment. */
  readonly stage: StageJobSettings;
  /** Encrypts the log group (the operations key: its policy lets CloudWatch Logs use it). */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The task definitions every database shares, one per job kind and size: no task role (each run brings its
 * database's role as a RunTask override, so a run without one has no AWS credentials at all), one execution
 * role that may only pull the image and write the one log group, and the stage's settings in the
 * environment; what belongs to one database arrives as container overrides from its schedule.
 */
export class JobTaskDefinitions extends Construct {
  readonly executionRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  private readonly definitions = new Map<string, JobTaskDefinition>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: JobTaskDefinitionsProps,
  ) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: jobsLogGroupName(props.appName),
      encryptionKey: props.logKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      description: `${props.appName}: ECS pulling the pg-backup image and writing the jobs' logs (every task definition)`,
      assumedBy: ecsTasksPrincipal(Stack.of(this)),
    });
  }

  /** The dump task definition of this size. */
  dump(size: TaskSizeConfig): JobTaskDefinition {
    const family = `${this.props.appName}-dump-${sizeName(size)}`;
    return this.definition(family, () => this.create('dump', family, size, { kind: 'ephemeral', sizeGiB: 20 }));
  }

  /** The verify task definition of this size and work storage. */
  verify(size: TaskSizeConfig, storage: VerifyStorage): JobTaskDefinition {
    const family = `${this.props.appName}-verify-${sizeName(size)}-${storage.kind === 'volume' ? 'volume' : `disk${storage.sizeGiB}`}`;
    return this.definition(family, () => this.create('verify', family, size, storage));
  }

  /** Every task definition made so far. */
  all(): JobTaskDefinition[] {
    return [...this.definitions.values()];
  }

  private definition(family: string, make: () => JobTaskDefinition): JobTaskDefinition {
    let definition = this.definitions.get(family);
    if (!definition) {
      definition = make();
      this.definitions.set(family, definition);
    }
    return definition;
  }

  private create(job: JobKind, family: string, size: TaskSizeConfig, storage: VerifyStorage): JobTaskDefinition {
    const { props } = this;
    const onVolume = storage.kind === 'volume';
    const taskDefinition = new ecs.FargateTaskDefinition(this, family.slice(props.appName.length + 1), {
      family,
      cpu: size.vcpu * 1024,
      memoryLimitMiB: size.memoryGiB * 1024,
      executionRole: this.executionRole,
      // Above Fargate's 20 GiB default only for a verify that works on its ephemeral storage.
      ...(!onVolume && storage.sizeGiB > 20 ? { ephemeralStorageGiB: storage.sizeGiB } : {}),
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    withoutTaskRole(taskDefinition);
    taskDefinition.addVolume({ name: WORK_VOLUME, ...(onVolume ? { configuredAtLaunch: true } : {}) });
    const container = taskDefinition.addContainer(CONTAINER_NAME, {
      image: props.image,
      command: [job],
      essential: true,
      environment:
        job === 'dump'
          ? dumpTaskDefinitionEnvironment(props.stage)
          : verifyTaskDefinitionEnvironment({ ...props.stage, workDir: WORK_DIR }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: job }),
      readonlyRootFilesystem: true,
      // The image's USER, said again: ECS gives a non-root user of the container definition write access to an EBS volume.
      ...(onVolume ? { user: 'postgres' } : {}),
    });
    container.addMountPoints({ sourceVolume: WORK_VOLUME, containerPath: WORK_DIR, readOnly: false });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'the environment holds only non-secret settings of the stage (bucket, key ARN, region, work dir); what a database adds (its id, the secret ARN, never a value) arrives as container overrides, and the CLI reads credentials from Secrets Manager at runtime',
    });
    return { job, family, taskDefinition, workOnVolume: onVolume };
  }

  /** Acknowledgements on the execution role's policy, once every task definition is made. */
  acknowledgeExecutionPolicy(): void {
    const policy = this.executionRole.node.tryFindChild('DefaultPolicy');
    if (!policy) return;
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken supports no resource ARN; the image pull itself (BatchGetImage, GetDownloadUrlForLayer) names only the asset repository',
    });
    Validations.of(policy).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "the execution role's own statements (pull this image, write the jobs' log group) in a policy attached to that role only, created and deleted with it",
    });
  }
}

/** `cpu2048-mem4096`: a size as a family part (families allow letters, digits, `-` and `_` only). */
function sizeName(size: TaskSizeConfig): string {
  return `cpu${size.vcpu * 1024}-mem${size.memoryGiB * 1024}`;
}

/**
 * Removes the task role CDK always creates for a task definition: a run of a shared definition gets its
 * database's role from the RunTask override, and one started without an override gets none.
 */
function withoutTaskRole(taskDefinition: ecs.FargateTaskDefinition): void {
  (taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).taskRoleArn = undefined;
  taskDefinition.node.tryRemoveChild('TaskRole');
}
