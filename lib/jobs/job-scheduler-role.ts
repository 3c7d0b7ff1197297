import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface JobSchedulerRoleProps {
  readonly appName: string;
  /** The schedule group: only its schedules may assume the role. */
  readonly scheduleGroupName: string;
  /** The cluster's name: the only cluster the role may start tasks in, and tag tasks of. */
  readonly clusterName: string;
  /** The shared task definitions' families: the only ones the role may start (any revision). */
  readonly families: readonly string[];
  /** The shared execution role of those task definitions: RunTask passes it. */
  readonly executionRoleArn: string;
  /** The ECS infrastructure role, when a schedule of this stack attaches an EBS volume. */
  readonly infrastructureRoleArn?: string;
  /** Where schedule events that could not start a task go, and the key that encrypts it. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly deadLetterKey: kms.IKey;
}

/** IAM caps a customer managed policy at 6,144 characters: 40 role ARNs of about 100 characters fit with room. */
const ROLES_PER_PASS_POLICY = 40;

/**
 * The role EventBridge Scheduler starts a jobs stack's tasks with (one per jobs stack: its policy names that
 * stack's task roles, and a stack holds at most 50 databases): ecs:RunTask of the shared task definitions in
 * the jobs cluster, ecs:TagResource for the tags RunTask puts on them, iam:PassRole of exactly the roles a
 * run carries (the execution role, each database's dump and verify task roles, the infrastructure role of
 * large verifies) and nothing else, and the dead-letter queue. Its trust admits Scheduler for the stage's
 * schedule group only.
 */
export class JobSchedulerRole extends Construct {
  readonly role: iam.Role;
  private readonly taskRoles: iam.IRole[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: JobSchedulerRoleProps,
  ) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: `${props.appName}: EventBridge Scheduler starting the dump and verify tasks of ${stack.stackName}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${props.scheduleGroupName}/*` }),
          },
        },
      }),
    });
    const clusterArn = stack.formatArn({ service: 'ecs', resource: 'cluster', resourceName: props.clusterName });
    const add = (statement: iam.PolicyStatementProps) => this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    add({
      sid: 'RunSharedTaskDefinitions',
      actions: ['ecs:RunTask'],
      resources: props.families.map((family) =>
        stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${family}:*` }),
      ),
      conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
    });
    add({
      sid: 'TagTheTasksItStarts',
      actions: ['ecs:TagResource'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.clusterName}/*` })],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    });
    if (props.infrastructureRoleArn) {
      add({
        sid: 'PassVolumeRoleToEcs',
        actions: ['iam:PassRole'],
        resources: [props.infrastructureRoleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } },
      });
    }
    add({ sid: 'SendDeadLetters', actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] });
    // SendMessage to the KMS-encrypted dead-letter queue needs a data key; through SQS only.
    add({
      sid: 'EncryptDeadLetters',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [props.deadLetterKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.amazonaws.com` } },
    });

    const policy = this.role.node.findChild('DefaultPolicy');
    Validations.of(policy).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "the schedules' ecs:RunTask, tagging and dead-letter grants, in a policy attached to this one role only, created and deleted with it",
    });
    for (const family of props.families) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${family}:*` })}]`,
        reason: `any revision of the shared task definition ${family}: the schedules name the family, and ECS runs its newest revision`,
      });
    }
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.clusterName}/*` })}]`,
      reason:
        'the tags RunTask puts on the task it starts (ecs:CreateAction RunTask only): a task id is new for every run, in the jobs cluster only',
    });
  }

  /** Lets the schedules hand these task roles to ECS (iam:PassRole, to ecs-tasks.amazonaws.com only). */
  allowPassing(...roles: iam.IRole[]): void {
    this.taskRoles.push(...roles);
  }

  /**
   * Writes the PassRole statements, in customer managed policies of at most ROLES_PER_PASS_POLICY roles (a
   * role's inline policies together may not exceed 10,240 characters, and 120 role ARNs would). Call once,
   * after every database of the stack is added.
   */
  finish(): void {
    const roleArns = [this.props.executionRoleArn, ...this.taskRoles.map((r) => r.roleArn)];
    for (let i = 0; i < roleArns.length; i += ROLES_PER_PASS_POLICY) {
      const n = i / ROLES_PER_PASS_POLICY + 1;
      new iam.ManagedPolicy(this, `PassTaskRoles${n}`, {
        description: `${this.props.appName}: the scheduler passing the jobs' task and execution roles to ECS (part ${n})`,
        roles: [this.role],
        statements: [
          new iam.PolicyStatement({
            sid: 'PassTaskRolesToEcsTasks',
            actions: ['iam:PassRole'],
            resources: roleArns.slice(i, i + ROLES_PER_PASS_POLICY),
            conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          }),
        ],
      });
    }
  }
}
