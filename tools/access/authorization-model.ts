import { overrideEnvironment, RUN_TASK_TARGET_ARN, type ScheduledRunTask } from '../../lib/jobs/run-task-request.js';
import { runEnvironment } from '../../src/contract/task-environment.js';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.js';
import type { PolicyDocument, PolicySource, PolicyStatement, SourcedPolicy } from './policy-document.js';
import { IntrinsicResolver } from './resolve-intrinsics.js';
import type { CfnResource, StackTemplate } from './stack-templates.js';

/** A deployed resource of the stage: where it is, what it is, and its resolved properties. */
export interface StageResource {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly type: string;
  /** Ref's value (a name, an id, or an ARN, depending on the type). */
  readonly ref: string;
  /** The ARN, for types that have one. */
  readonly arn?: string;
  readonly constructPath?: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, read by path
  readonly properties: Record<string, any>;
}

/** An IAM role of the stage with every policy attached to it. */
export interface RoleModel {
  readonly resource: StageResource;
  readonly arn: string;
  readonly trustPolicy: SourcedPolicy;
  readonly identityPolicies: readonly SourcedPolicy[];
}

/** A VPC endpoint of the stage and the policy that bounds every request sent through it. */
export interface StageEndpoint {
  readonly resource: StageResource;
  /** The VPC's Ref (a stable placeholder). */
  readonly vpc: string;
  /** The region of the endpoint's stack. */
  readonly region: string;
  /** What follows `com.amazonaws.<region>.` in its service name: `s3`, `ecr.api`, `kms`... */
  readonly service: string;
  /** Its policy; an endpoint without one admits everything (AWS's default). */
  readonly policy?: SourcedPolicy;
}

/**
 * One schedule's run of a task, as the schedule's RunTask request (the universal target's Input) says: the
 * shared task definition, the database's task role override, the network, and the environment the
 * container then has (the definition's with the request's container overrides).
 */
export interface ScheduledRun {
  readonly schedule: StageResource;
  /** The schedule's name: `<database id>-<job>`. */
  readonly name: string;
  readonly request: ScheduledRunTask;
  readonly taskDefinition: StageResource;
  readonly family: string;
  readonly databaseId: string;
  readonly job: 'dump' | 'verify';
  readonly taskRoleArn: string;
  readonly executionRoleArn: string;
  /** The VPC (its Ref) of the request's subnets; undefined when they are not the stage's (an existing VPC). */
  readonly vpc: string | undefined;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * Who may do what in a deployed stage, read from its synthesized templates: every role with its inline,
 * customer-managed and AWS-managed policies, and every resource policy (bucket, topic, queue and key
 * policies, Lambda permissions, role trust policies), the VPC endpoints' policies, intrinsics resolved to
 * the ARNs of the stage's account and regions. Nothing here is hand-kept: a statement added or removed in
 * lib/ changes the model.
 */
export class AuthorizationModel {
  readonly resources: readonly StageResource[];
  readonly roles: ReadonlyMap<string, RoleModel>;
  readonly endpoints: readonly StageEndpoint[];
  /** Every schedule's run of a task (the dump and verify of each database). */
  readonly runs: readonly ScheduledRun[];
  private readonly resourcePolicies = new Map<string, SourcedPolicy[]>();
  private readonly owners = new Map<string, string>();

  /** @param pinned physical values the configuration names (IntrinsicResolver), by `stack/LogicalId`. */
  constructor(
    readonly stacks: readonly StackTemplate[],
    /** The stage's main account (where the jobs and the primary bucket are). */
    readonly mainAccount: string,
    pinned: ReadonlyMap<string, { readonly ref: string; readonly arn: string }> = new Map(),
  ) {
    const resolver = new IntrinsicResolver(stacks, pinned);
    const resources: StageResource[] = [];
    for (const stack of stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        if (resource.Type === 'AWS::CDK::Metadata') continue;
        resources.push(stageResource(resolver, stack, logicalId, resource));
      }
    }
    this.resources = resources;
    const byLogical = new Map(resources.map((r) => [`${r.stack.stackName}/${r.logicalId}`, r]));
    const source = (r: StageResource, kind: string): PolicySource => ({
      stack: r.stack.stackName,
      logicalId: r.logicalId,
      kind,
      ...(r.constructPath ? { constructPath: r.constructPath } : {}),
    });

    // Roles, their trust policies, and the policies attached to them from anywhere in the stage.
    const roles = new Map<string, { resource: StageResource; arn: string; trust: SourcedPolicy; policies: SourcedPolicy[] }>();
    const roleByRef = new Map<string, string>();
    for (const r of resources.filter((r) => r.type === 'AWS::IAM::Role')) {
      const trust = { source: source(r, 'trust policy'), document: r.properties.AssumeRolePolicyDocument as PolicyDocument };
      roles.set(r.arn!, { resource: r, arn: r.arn!, trust, policies: [] });
      roleByRef.set(r.ref, r.arn!);
      this.addResourcePolicy(r.arn!, trust);
      for (const inline of (r.properties.Policies ?? []) as { PolicyName: string; PolicyDocument: PolicyDocument }[]) {
        roles.get(r.arn!)!.policies.push({ source: source(r, `inline policy ${inline.PolicyName}`), document: inline.PolicyDocument });
      }
    }
    const managedByArn = new Map<string, SourcedPolicy>();
    for (const r of resources.filter((r) => r.type === 'AWS::IAM::ManagedPolicy')) {
      managedByArn.set(r.ref, { source: source(r, 'customer managed policy'), document: r.properties.PolicyDocument as PolicyDocument });
    }
    const attach = (roleNames: unknown, policy: SourcedPolicy, where: string) => {
      for (const roleName of (roleNames ?? []) as string[]) {
        const arn = roleByRef.get(roleName);
        if (!arn) throw new Error(`${where} is attached to role ${roleName}, which is not a role of the stage`);
        roles.get(arn)!.policies.push(policy);
      }
    };
    for (const r of resources) {
      if (r.type === 'AWS::IAM::Policy') {
        attach(
          r.properties.Roles,
          { source: source(r, 'inline policy'), document: r.properties.PolicyDocument as PolicyDocument },
          `${r.stack.stackName}/${r.logicalId}`,
        );
      } else if (r.type === 'AWS::IAM::ManagedPolicy') {
        attach(r.properties.Roles, managedByArn.get(r.ref)!, `${r.stack.stackName}/${r.logicalId}`);
      } else if (r.type === 'AWS::IAM::Role') {
        for (const arn of (r.properties.ManagedPolicyArns ?? []) as string[]) {
          const managed = managedByArn.get(arn) ?? awsManaged(arn, r);
          roles.get(r.arn!)!.policies.push(managed);
        }
      }
    }
    this.roles = new Map(
      [...roles].map(([arn, r]) => [arn, { resource: r.resource, arn, trustPolicy: r.trust, identityPolicies: r.policies }]),
    );

    // Resource policies, by the ARN of the resource they govern.
    for (const r of resources) {
      switch (r.type) {
        case 'AWS::S3::BucketPolicy':
          this.addResourcePolicy(`arn:aws:s3:::${r.properties.Bucket}`, {
            source: source(r, 'bucket policy'),
            document: r.properties.PolicyDocument,
          });
          break;
        case 'AWS::SNS::TopicPolicy':
          for (const topic of r.properties.Topics as string[])
            this.addResourcePolicy(topic, { source: source(r, 'topic policy'), document: r.properties.PolicyDocument });
          break;
        case 'AWS::SQS::QueuePolicy':
          for (const url of r.properties.Queues as string[]) {
            const queue = resources.find((q) => q.type === 'AWS::SQS::Queue' && q.ref === url);
            if (!queue) throw new Error(`${r.stack.stackName}/${r.logicalId} governs queue ${url}, which is not a queue of the stage`);
            this.addResourcePolicy(queue.arn!, { source: source(r, 'queue policy'), document: r.properties.PolicyDocument });
          }
          break;
        case 'AWS::KMS::Key':
          this.addResourcePolicy(r.arn!, { source: source(r, 'key policy'), document: r.properties.KeyPolicy });
          break;
        case 'AWS::Lambda::Permission': {
          const fn = resources.find(
            (f) => f.type === 'AWS::Lambda::Function' && (f.arn === r.properties.FunctionName || f.ref === r.properties.FunctionName),
          );
          if (!fn)
            throw new Error(
              `${r.stack.stackName}/${r.logicalId} names function ${r.properties.FunctionName}, which is not a function of the stage`,
            );
          this.addResourcePolicy(fn.arn!, { source: source(r, 'Lambda permission'), document: lambdaPermissionPolicy(r, fn.arn!) });
          break;
        }
      }
    }
    for (const r of resources) {
      if (r.arn) this.owners.set(r.arn, r.stack.account);
    }
    this.endpoints = resources
      .filter((r) => r.type === 'AWS::EC2::VPCEndpoint')
      .map((r) => {
        const prefix = `com.amazonaws.${r.stack.region}.`;
        const name = String(r.properties.ServiceName);
        if (!name.startsWith(prefix))
          throw new Error(`${r.stack.stackName}/${r.logicalId}: endpoint service ${name} is not an AWS service of ${r.stack.region}`);
        return {
          resource: r,
          vpc: String(r.properties.VpcId),
          region: r.stack.region,
          service: name.slice(prefix.length),
          ...(r.properties.PolicyDocument
            ? { policy: { source: source(r, 'VPC endpoint policy'), document: r.properties.PolicyDocument } }
            : {}),
        };
      });
    void byLogical;
    this.runs = this.ofType('AWS::Scheduler::Schedule').map((schedule) => this.scheduledRun(schedule));
  }

  /** The run of `job` of `databaseId`, or an error naming the runs there are. */
  run(databaseId: string, job: 'dump' | 'verify'): ScheduledRun {
    const run = this.runs.find((r) => r.databaseId === databaseId && r.job === job);
    if (!run) throw new Error(`no schedule runs the ${job} of ${databaseId} (runs: ${this.runs.map((r) => r.name).join(', ')})`);
    return run;
  }

  /** The runs that carry `roleArn` as their task role (override) or their definition's execution role. */
  runsWithRole(roleArn: string): ScheduledRun[] {
    return this.runs.filter((r) => r.taskRoleArn === roleArn || r.executionRoleArn === roleArn);
  }

  /** The databases with scheduled runs, in the order of their schedules. */
  get databaseIds(): string[] {
    return [...new Set(this.runs.map((r) => r.databaseId))];
  }

  private scheduledRun(schedule: StageResource): ScheduledRun {
    const target = schedule.properties.Target as { Arn: string; Input?: string };
    const label = `${schedule.stack.stackName}/${schedule.logicalId}`;
    if (target.Arn !== RUN_TASK_TARGET_ARN || typeof target.Input !== 'string') {
      throw new Error(`schedule ${label} targets ${target.Arn}, not ${RUN_TASK_TARGET_ARN} with an Input: the proof knows no other target`);
    }
    const request = JSON.parse(target.Input) as ScheduledRunTask;
    const taskDefinition = this.ofType('AWS::ECS::TaskDefinition').find((t) => t.properties.Family === request.TaskDefinition);
    if (!taskDefinition) throw new Error(`schedule ${label} runs ${request.TaskDefinition}, not a task definition family of the stage`);
    const container = (
      taskDefinition.properties.ContainerDefinitions as { Command?: string[]; Environment?: { Name: string; Value: string }[] }[]
    )[0]!;
    const vpcs = new Set(
      request.NetworkConfiguration.AwsvpcConfiguration.Subnets.map(
        (id) => this.ofType('AWS::EC2::Subnet').find((subnet) => subnet.ref === id)?.properties.VpcId as string | undefined,
      ),
    );
    if (vpcs.size > 1)
      throw new Error(`schedule ${label} runs its task in more than one VPC (${[...vpcs].join(', ')}): the proof expects one`);
    const job = request.Group;
    return {
      schedule,
      name: String(schedule.properties.Name),
      request,
      taskDefinition,
      family: request.TaskDefinition,
      databaseId: request.StartedBy,
      job,
      taskRoleArn: request.Overrides.TaskRoleArn,
      executionRoleArn: taskDefinition.properties.ExecutionRoleArn as string,
      vpc: [...vpcs][0],
      command: container.Command ?? [],
      environment: runEnvironment(
        Object.fromEntries((container.Environment ?? []).map((e) => [e.Name, String(e.Value)])),
        overrideEnvironment(request),
      ),
    };
  }

  /** The role with this ARN, or an error naming the roles there are. */
  role(arn: string): RoleModel {
    const role = this.roles.get(arn);
    if (!role) throw new Error(`no role ${arn} in the stage`);
    return role;
  }

  /** The role created by `stack`/`logicalId`. */
  roleOf(resource: StageResource): RoleModel {
    return this.role(resource.arn!);
  }

  /** The resource policies governing `arn` (an S3 object is governed by its bucket's policy). */
  resourcePoliciesFor(arn: string): readonly SourcedPolicy[] {
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(arn);
    return this.resourcePolicies.get(s3 ? `arn:aws:s3:::${s3[1]}` : arn) ?? [];
  }

  /** The account that owns `arn`: from the stage for its own resources, else the ARN's account field. */
  ownerAccount(arn: string): string | undefined {
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(arn);
    if (s3) return this.owners.get(`arn:aws:s3:::${s3[1]}`);
    return this.owners.get(arn) ?? (arn.split(':')[4] || undefined);
  }

  /** Resources of one CloudFormation type. */
  ofType(type: string): StageResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The resource whose Ref or ARN is `value`. */
  find(value: string): StageResource | undefined {
    return this.resources.find((r) => r.ref === value || r.arn === value);
  }

  private addResourcePolicy(arn: string, policy: SourcedPolicy): void {
    this.resourcePolicies.set(arn, [...(this.resourcePolicies.get(arn) ?? []), policy]);
  }
}

const ARN_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
  'AWS::ECS::Cluster',
  'AWS::Lambda::Function',
  'AWS::Events::Rule',
  'AWS::Scheduler::Schedule',
  'AWS::DynamoDB::GlobalTable',
  'AWS::DynamoDB::Table',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudTrail::Trail',
]);

function stageResource(resolver: IntrinsicResolver, stack: StackTemplate, logicalId: string, resource: CfnResource): StageResource {
  const ref = resolver.resolve(stack, { Ref: logicalId }) as string;
  const arn =
    resource.Type === 'AWS::SNS::Topic' || resource.Type === 'AWS::ECS::TaskDefinition' || resource.Type === 'AWS::IAM::ManagedPolicy'
      ? ref
      : ARN_TYPES.has(resource.Type)
        ? (resolver.resolve(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] }) as string)
        : undefined;
  const path = (resource as { Metadata?: Record<string, string> }).Metadata?.['aws:cdk:path'];
  return {
    stack,
    logicalId,
    type: resource.Type,
    ref,
    ...(arn ? { arn: resource.Type === 'AWS::Logs::LogGroup' ? arn.replace(/:\*$/, '') : arn } : {}),
    ...(path ? { constructPath: path } : {}),
    properties: resolver.resolve(stack, resource.Properties ?? {}) as Record<string, unknown>,
  };
}

function awsManaged(arn: string, role: StageResource): SourcedPolicy {
  const document = AWS_MANAGED_POLICIES[arn];
  if (!document) {
    throw new Error(
      `${role.stack.stackName}/${role.logicalId} attaches ${arn}: add its document to tools/access/aws-managed-policies.ts so the proof evaluates it`,
    );
  }
  return { source: { stack: 'aws', logicalId: arn.split(':policy/')[1]!, kind: 'AWS managed policy' }, document };
}

/** A Lambda permission as the function's resource policy holds it. */
function lambdaPermissionPolicy(permission: StageResource, functionArn: string): PolicyDocument {
  const p = permission.properties;
  const principal = String(p.Principal);
  const condition: Record<string, Record<string, unknown>> = {};
  if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
  if (p.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
  const statement: PolicyStatement = {
    Sid: permission.logicalId,
    Effect: 'Allow',
    Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
    Action: p.Action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
  return { Version: '2012-10-17', Statement: [statement] };
}
