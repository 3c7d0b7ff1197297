import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CreateScheduleCommand, CreateScheduleGroupCommand, ListScheduleGroupsCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PgBackupError } from '../../src/errors.js';
import type { CfnTemplate } from './moto-template-rewrites.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read by path
type Json = any;

/** A schedule as created in the emulator. */
export interface CreatedSchedule {
  readonly group: string;
  readonly name: string;
}

export interface CreateSchedulesOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  /** The stack's template as deployed (after rewriteTemplateForMoto: no cross-stack references left). */
  readonly template: CfnTemplate;
}

/**
 * Creates, through the EventBridge Scheduler API, the schedule groups and schedules of a deployed stack,
 * which moto's CloudFormation does not create: each exactly as its template says, its intrinsics resolved
 * to what the emulator deployed (DescribeStackResources: subnets, security groups, roles, the queue). So
 * GetSchedule answers what AWS would, the target's Input (the RunTask request) included, and the local
 * harness runs a job as its schedule would. moto never fires them.
 */
export async function createSchedulesMotoSkips(options: CreateSchedulesOptions): Promise<CreatedSchedule[]> {
  const entries = Object.entries(options.template.Resources);
  const groups = entries.filter(([, r]) => r.Type === 'AWS::Scheduler::ScheduleGroup');
  const schedules = entries.filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
  if (groups.length === 0 && schedules.length === 0) return [];
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const cloudFormation = new CloudFormationClient({ region: options.region, endpoint: options.endpoint, credentials });
  const scheduler = new SchedulerClient({ region: options.region, endpoint: options.endpoint, credentials });
  try {
    const { StackResources } = await cloudFormation.send(new DescribeStackResourcesCommand({ StackName: options.stackName }));
    const physical = new Map((StackResources ?? []).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
    const resolve = deployedResolver(options, physical);
    const existing = new Set(((await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups ?? []).map((g) => g.Name));
    for (const [, group] of groups) {
      const name = String(resolve(group.Properties!.Name));
      if (!existing.has(name)) await scheduler.send(new CreateScheduleGroupCommand({ Name: name }));
    }
    const created: CreatedSchedule[] = [];
    for (const [logicalId, schedule] of schedules) {
      const p = resolve(schedule.Properties) as Json;
      const target = p.Target;
      await scheduler
        .send(
          new CreateScheduleCommand({
            Name: p.Name,
            GroupName: p.GroupName,
            Description: p.Description,
            ScheduleExpression: p.ScheduleExpression,
            ScheduleExpressionTimezone: p.ScheduleExpressionTimezone,
            FlexibleTimeWindow: { Mode: p.FlexibleTimeWindow.Mode, MaximumWindowInMinutes: p.FlexibleTimeWindow.MaximumWindowInMinutes },
            State: p.State,
            Target: {
              Arn: target.Arn,
              RoleArn: target.RoleArn,
              Input: target.Input,
              RetryPolicy: target.RetryPolicy,
              DeadLetterConfig: target.DeadLetterConfig,
            },
          }),
        )
        .catch((error) => {
          throw new PgBackupError(
            `${options.stackName}: creating schedule ${logicalId} (${p.GroupName}/${p.Name}) failed: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        });
      created.push({ group: p.GroupName, name: p.Name });
    }
    return created;
  } finally {
    cloudFormation.destroy();
    scheduler.destroy();
  }
}

/** Resolves the intrinsics a deployed schedule holds to the emulator's physical values; any other is an error naming it. */
function deployedResolver(options: CreateSchedulesOptions, physical: ReadonlyMap<string, string>): (value: Json) => Json {
  const { stackName, account, region } = options;
  const idOf = (logicalId: string) => {
    const id = physical.get(logicalId);
    if (id === undefined) throw new PgBackupError(`${stackName}: ${logicalId} was not created by the emulator, and a schedule names it`);
    return id;
  };
  const getAtt = (logicalId: string, attribute: string): string => {
    const type = options.template.Resources[logicalId]?.Type;
    const id = idOf(logicalId);
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') return id.startsWith('arn:') ? id : `arn:aws:iam::${account}:role/${id}`;
    if (type === 'AWS::EC2::SecurityGroup' && attribute === 'GroupId') return id;
    if (type === 'AWS::SQS::Queue' && attribute === 'Arn') return `arn:aws:sqs:${region}:${account}:${id.split('/').pop()}`;
    throw new PgBackupError(
      `${stackName}: a schedule names Fn::GetAtt ${logicalId}.${attribute} (${type}), which the emulator stand-in cannot resolve`,
    );
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    if (typeof value.Ref === 'string') {
      if (value.Ref === 'AWS::Region') return region;
      if (value.Ref === 'AWS::AccountId') return account;
      if (value.Ref === 'AWS::Partition') return 'aws';
      return idOf(value.Ref);
    }
    if (Array.isArray(value['Fn::GetAtt'])) return getAtt(value['Fn::GetAtt'][0], value['Fn::GetAtt'][1]);
    if (Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map(resolve).join(separator);
    }
    const intrinsic = Object.keys(value).find((k) => k.startsWith('Fn::'));
    if (intrinsic) throw new PgBackupError(`${stackName}: a schedule holds ${intrinsic}, which the emulator stand-in cannot resolve`);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}
