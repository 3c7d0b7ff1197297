import { Template } from 'aws-cdk-lib/assertions';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import type { ScheduledRunTask } from '../../../lib/jobs/run-task-request.js';
import { pgBackupApp } from '../../../lib/pg-backup-app.js';

/** The example stage: one RDS database, a new VPC, ARM64. */
export const EXAMPLE = example;

/** Two databases in an existing VPC: one by host with a secret name, one monitored only. */
export const EXISTING_VPC_CONFIG: AppConfig = {
  ...example,
  network: { vpcId: 'vpc-0aaaabbbbccccdddd', privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'] },
  jobs: { cpuArchitecture: 'X86_64', logRetentionDays: 90, retryAttempts: 5 },
  databases: [
    {
      id: 'billing-db',
      connection: { host: 'billing.internal.example.com', port: 6432, database: 'billing' },
      secretName: 'prod/billing/backup-user',
      secretKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      dumpSchedule: { cron: '30 1 * * ? *', timeZone: 'Europe/Berlin' },
      dumpTask: { vcpu: 1, memoryGiB: 2 },
      verifyTask: { vcpu: 2, memoryGiB: 8, ephemeralStorageGiB: 50 },
    },
    { id: 'legacy-db' },
  ],
};

/** The whole app of `config` (cdk.json flags, cdk-nag, cdk.context.json) synthesized once, with a Template per stack. */
export function synthApp(config: AppConfig, options: { monitoring?: boolean; monitoredDatabasesPerStack?: number } = {}) {
  const built = pgBackupApp(config, {
    monitoring: options.monitoring ?? true,
    ...(options.monitoredDatabasesPerStack ? { monitoredDatabasesPerStack: options.monitoredDatabasesPerStack } : {}),
  });
  const assembly = built.app.synth();
  const stacks = [built.replica, built.primary, built.jobs, ...built.jobsShards, built.monitoring, ...built.monitoringShards].filter(
    (s) => s !== undefined,
  );
  const templates = Object.fromEntries(stacks.map((s) => [s.stackName, Template.fromStack(s)]));
  return { ...built, assembly, templates, jobsTemplate: built.jobs ? Template.fromStack(built.jobs) : undefined };
}

export type PolicyStatement = {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, unknown>;
  Sid?: string;
};

/** Every IAM statement of a template: AWS::IAM::Policy, AWS::IAM::ManagedPolicy and the inline Policies of AWS::IAM::Role, with where it is. */
export function allStatements(template: Template): { where: string; statement: PolicyStatement }[] {
  const out: { where: string; statement: PolicyStatement }[] = [];
  for (const [id, resource] of Object.entries(
    template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, any> }>,
  )) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      documents.push(resource.Properties?.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') for (const p of resource.Properties?.Policies ?? []) documents.push(p.PolicyDocument);
    for (const document of documents) {
      for (const statement of (document as { Statement?: PolicyStatement[] })?.Statement ?? []) out.push({ where: id, statement });
    }
  }
  return out;
}

export function actionsOf(statement: PolicyStatement): string[] {
  return statement.Action === undefined ? [] : ([] as string[]).concat(statement.Action);
}

/** Statements of the policies attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

/** A deploy-time value inside a schedule's Input, shown as a placeholder: `Ref:<id>`, `GetAtt:<id>.<attribute>`, `Output:<stack>.<output>`. */
function placeholder(token: Record<string, any>): string {
  if (token.Ref) return `Ref:${token.Ref}`;
  if (token['Fn::GetAtt']) return `GetAtt:${token['Fn::GetAtt'].join('.')}`;
  if (token['Fn::GetStackOutput']) return `Output:${token['Fn::GetStackOutput'].StackName}.${token['Fn::GetStackOutput'].OutputName}`;
  throw new Error(`unexpected token in a schedule's Input: ${JSON.stringify(token)}`);
}

/** The RunTask request a schedule sends (its universal target's Input), deploy-time values as placeholders. */
export function requestOf(schedule: { Properties: { Target: { Input: unknown } } }): ScheduledRunTask {
  const input = schedule.Properties.Target.Input as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof input === 'string' ? input : input['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : placeholder(p as never))).join('');
  return JSON.parse(text) as ScheduledRunTask;
}

/** The schedules of a template by name (`<database id>-<job>`), with their RunTask requests. */
export function schedulesOf(template: Template): Map<string, { properties: Record<string, any>; request: ScheduledRunTask }> {
  return new Map(
    Object.values(template.findResources('AWS::Scheduler::Schedule')).map((s) => [
      s.Properties.Name as string,
      { properties: s.Properties, request: requestOf(s as never) },
    ]),
  );
}

/** The task definition of `family`, with its one container. */
export function taskDefinitionOf(template: Template, family: string) {
  const [entry] = Object.entries(template.findResources('AWS::ECS::TaskDefinition')).filter(([, t]) => t.Properties.Family === family);
  if (!entry) throw new Error(`no task definition ${family}`);
  const [logicalId, definition] = entry;
  return { logicalId, properties: definition.Properties, container: definition.Properties.ContainerDefinitions[0] };
}

/** An environment list of a template as a map; deploy-time values as `<resolved at deploy>`. */
export function environmentMap(entries: readonly { Name: string; Value: unknown }[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [e.Name, typeof e.Value === 'string' ? e.Value : '<resolved at deploy>']));
}
