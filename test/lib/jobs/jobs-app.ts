import { Template } from 'aws-cdk-lib/assertions';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
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
export function synthApp(config: AppConfig, options: { monitoring?: boolean } = {}) {
  const built = pgBackupApp(config, { monitoring: options.monitoring ?? true });
  const assembly = built.app.synth();
  const stacks = [built.replica, built.primary, built.jobs, built.monitoring].filter((s) => s !== undefined);
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
