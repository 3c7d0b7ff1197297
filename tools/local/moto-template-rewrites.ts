import { PgBackupError } from '../../src/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read by path
type Json = any;

/** A synthesized CloudFormation template, as far as the rewrites read it. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, Json>; DependsOn?: string | string[]; [key: string]: Json }>;
  Outputs?: Record<string, { Value: Json; [key: string]: Json }>;
  [key: string]: Json;
}

/** The stack a template belongs to, and what the stacks deployed before it output. */
export interface RewriteContext {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  /** Stack name -> output name -> value, of the stacks already deployed. */
  readonly deployedOutputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One change made to a template (or the app) so that moto's CloudFormation can deploy it. */
export type MotoRewrite =
  | {
      readonly kind: 'stack-output';
      readonly stack: string;
      /** The stack whose output was read. */
      readonly fromStack: string;
      readonly outputName: string;
      readonly value: string;
      /** How many places of the template named it. */
      readonly references: number;
    }
  | {
      readonly kind: 'custom-resource-removed';
      readonly stack: string;
      readonly logicalId: string;
      readonly type: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'not-created';
      readonly stack: string;
      readonly type: string;
      readonly logicalIds: readonly string[];
      /** What moto 5.2's CloudFormation does with the type. */
      readonly moto: string;
      /** References to these resources replaced by the values AWS would give them: `Ref X` / `X.Arn` -> value. */
      readonly placeholders: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'outside-app-removed';
      readonly stack: string;
      readonly logicalId: string;
      readonly type: string;
      /** The resource outside the app it changes, e.g. a security group id. */
      readonly target: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'created-through-api';
      readonly stack: string;
      readonly type: string;
      /** What was created, like `pg-backup-jobs/orders-db-dump`. */
      readonly names: readonly string[];
      readonly how: string;
    }
  | { readonly kind: 'image-not-built'; readonly stack: string; readonly image: string; readonly reason: string }
  | { readonly kind: 'app-option'; readonly stack: '*'; readonly option: string; readonly reason: string };

/**
 * Resource types of this app that moto 5.2's CloudFormation creates (each has a CloudFormationModel
 * subclass in moto's source whose cloudformation_type() returns it). A type in neither this list nor
 * MOTO_DOES_NOT_CREATE fails the deploy, so a new resource type is never passed over unnoticed.
 */
export const MOTO_CREATES: readonly string[] = [
  'AWS::CloudWatch::Dashboard',
  'AWS::DynamoDB::Table',
  'AWS::EC2::FlowLog',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::Subnet',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCEndpoint',
  'AWS::ECS::Cluster',
  'AWS::ECS::TaskDefinition',
  'AWS::Events::Rule',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::KMS::Alias',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::SSM::Parameter',
];

/**
 * Resource types of this app that moto 5.2's CloudFormation does not implement (no model in its
 * source): it logs "No Moto CloudFormation support for <type>" and creates nothing; a Ref to such a
 * resource yields null and an Fn::GetAtt fails the stack ("references undefined resource"). What the
 * resource does on AWS, and what stands in for it locally.
 */
export const MOTO_DOES_NOT_CREATE: Readonly<Record<string, string>> = {
  'AWS::S3::BucketPolicy':
    'bucket policy; the bucket completion (completeBuckets) applies it through the S3 API, and moto does not evaluate it',
  'AWS::SNS::TopicPolicy': 'topic policy; moto does not evaluate resource policies (the access proof does)',
  'AWS::SNS::Subscription': 'e-mail subscription of the alert topic; the drill subscribes its own queue instead',
  'AWS::SQS::QueuePolicy': 'TLS-only policy of the dead-letter queue; moto does not evaluate it',
  'AWS::EC2::SecurityGroupEgress': 'an egress rule of a task security group; no network is emulated',
  'AWS::CloudWatch::Alarm': 'alarm; no metric is evaluated, no alarm notifies',
  'AWS::Scheduler::Schedule':
    'EventBridge Scheduler schedule; created after the deploy through the Scheduler API with the values the emulator deployed (tools/local/moto-schedules.ts), so GetSchedule answers as on AWS; moto never fires it, the drill runs what it would start',
  'AWS::Scheduler::ScheduleGroup': "the schedules' group; created through the Scheduler API with them",
  'AWS::DynamoDB::GlobalTable':
    "the freshness check's alert-state table; the drill creates it under the name the function's environment gives",
  'AWS::Chatbot::SlackChannelConfiguration': 'Slack delivery of the alert topic',
  'AWS::CloudTrail::Trail':
    "the audit trail; the emulator records no API calls, so the tripwire rules are tested with CloudTrail's own event samples (test/lib/tripwires)",
  'AWS::CDK::Metadata': "CDK's version reporting; nothing to create",
};

const MOTO_SKIPS = 'moto 5.2 has no CloudFormation model for the type: it logs a warning and creates nothing';

/** What a Lambda-backed custom resource of the app does on AWS, by type. */
const CUSTOM_RESOURCE_PURPOSE: Readonly<Record<string, string>> = {
  'Custom::VpcRestrictDefaultSG': "removes every rule of the VPC's default security group",
};

/**
 * Rewrites what moto's CloudFormation cannot take, and says what it rewrote:
 * - `Fn::GetStackOutput` (cross-stack references) becomes the literal output of the stack already deployed;
 * - Lambda-backed custom resources are removed (moto would invoke their provider Lambda, which needs Docker);
 * - resources of types moto does not create are listed; references to them become the names and ARNs
 *   AWS would give them (a reference no placeholder exists for fails with a clear error).
 * A resource type moto is not known to create or skip fails, naming it. The template is not modified.
 */
export function rewriteTemplateForMoto(template: CfnTemplate, context: RewriteContext): { template: CfnTemplate; rewrites: MotoRewrite[] } {
  const rewritten = structuredClone(template) as CfnTemplate;
  const rewrites: MotoRewrite[] = [];
  const { stackName } = context;
  const resources = rewritten.Resources;

  const unknown = [...new Set(Object.values(resources).map((r) => r.Type))].filter(
    (type) => !type.startsWith('Custom::') && !MOTO_CREATES.includes(type) && !(type in MOTO_DOES_NOT_CREATE),
  );
  if (unknown.length > 0) {
    throw new PgBackupError(
      `${stackName} has resource types not known to moto 5.2's CloudFormation support: ${unknown.join(', ')}. ` +
        "Check moto's source (grep 'def cloudformation_type' in site-packages/moto) and add each to MOTO_CREATES or MOTO_DOES_NOT_CREATE in tools/local/moto-template-rewrites.ts",
    );
  }

  // Cross-stack references: literal outputs of the stacks deployed before this one.
  const outputUses = new Map<string, { fromStack: string; outputName: string; value: string; references: number }>();
  const resolveOutputs = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolveOutputs);
    if (value === null || typeof value !== 'object') return value;
    if ('Fn::GetStackOutput' in value) {
      const { StackName, Region, OutputName } = value['Fn::GetStackOutput'] as { StackName: Json; Region: Json; OutputName: Json };
      if (typeof StackName !== 'string' || typeof OutputName !== 'string')
        throw new PgBackupError(
          `${stackName}: an Fn::GetStackOutput names its stack or output with an intrinsic: ${JSON.stringify(value)}`,
        );
      const outputs = context.deployedOutputs[StackName];
      if (!outputs)
        throw new PgBackupError(
          `${stackName} reads output ${OutputName} of ${StackName}, which is not deployed yet (deployed: ${Object.keys(context.deployedOutputs).join(', ') || 'none'})`,
        );
      const output = outputs[OutputName];
      if (output === undefined)
        throw new PgBackupError(`${stackName} reads output ${OutputName} of ${StackName}, which has no such output`);
      void Region;
      const key = `${StackName}\u0000${OutputName}`;
      const use = outputUses.get(key) ?? { fromStack: StackName, outputName: OutputName, value: output, references: 0 };
      use.references += 1;
      outputUses.set(key, use);
      return output;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveOutputs(v)]));
  };
  for (const [id, resource] of Object.entries(resources)) resources[id] = resolveOutputs(resource);
  if (rewritten.Outputs) rewritten.Outputs = resolveOutputs(rewritten.Outputs);
  for (const use of outputUses.values()) rewrites.push({ kind: 'stack-output', stack: stackName, ...use });

  // Lambda-backed custom resources: removed, with what they would have done.
  const removed = Object.entries(resources).filter(
    ([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource',
  );
  for (const [id, resource] of removed) {
    delete resources[id];
    const purpose = CUSTOM_RESOURCE_PURPOSE[resource.Type] ?? 'its provider function would run on create, update and delete';
    rewrites.push({
      kind: 'custom-resource-removed',
      stack: stackName,
      logicalId: id,
      type: resource.Type,
      reason: `Lambda-backed custom resource (on AWS it ${purpose}); moto would invoke its provider Lambda, which needs a Docker engine`,
    });
  }
  // Rules on a security group outside the app (the database's): that group is not in the emulator.
  const outside = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::EC2::SecurityGroupIngress' && typeof r.Properties?.GroupId === 'string',
  );
  for (const [id, resource] of outside) {
    delete resources[id];
    rewrites.push({
      kind: 'outside-app-removed',
      stack: stackName,
      logicalId: id,
      type: resource.Type,
      target: resource.Properties!.GroupId,
      reason: `adds a rule to security group ${resource.Properties!.GroupId}, which is not part of this app (the database's) and does not exist in the emulator`,
    });
  }
  const removedIds = new Set([...removed, ...outside].map(([id]) => id));

  // Resources moto does not create: references to them get the values AWS would give them.
  const notCreated = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type in MOTO_DOES_NOT_CREATE) notCreated.set(resource.Type, [...(notCreated.get(resource.Type) ?? []), id]);
  }
  const placeholdersByType = new Map<string, Record<string, string>>();
  const standIn = (logicalId: string, attribute: 'Ref' | string): Json => {
    const resource = resources[logicalId];
    const value = placeholder(resource.Type, logicalId, resource.Properties ?? {}, attribute, context);
    if (value === undefined)
      throw new PgBackupError(
        `${stackName}: ${attribute === 'Ref' ? `Ref ${logicalId}` : `Fn::GetAtt ${logicalId}.${attribute}`} names a ${resource.Type}, which moto does not create, and no stand-in value is known for it (tools/local/moto-template-rewrites.ts placeholder())`,
      );
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    const entries = placeholdersByType.get(resource.Type) ?? {};
    entries[attribute === 'Ref' ? `Ref ${logicalId}` : `${logicalId}.${attribute}`] = shown;
    placeholdersByType.set(resource.Type, entries);
    return value;
  };
  const replaceReferences = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(replaceReferences);
    if (value === null || typeof value !== 'object') return value;
    if (typeof value.Ref === 'string') {
      if (removedIds.has(value.Ref)) throw new PgBackupError(`${stackName}: Ref ${value.Ref} names a removed resource`);
      if (resources[value.Ref] && resources[value.Ref].Type in MOTO_DOES_NOT_CREATE) return standIn(value.Ref, 'Ref');
    }
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [id, attribute] = value['Fn::GetAtt'] as [string, string];
      if (removedIds.has(id)) throw new PgBackupError(`${stackName}: Fn::GetAtt ${id}.${attribute} names a removed resource`);
      if (resources[id] && resources[id].Type in MOTO_DOES_NOT_CREATE) return standIn(id, attribute);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceReferences(v)]));
  };
  for (const [id, resource] of Object.entries(resources)) {
    const { DependsOn, ...rest } = resource;
    const kept = DependsOn === undefined ? [] : (Array.isArray(DependsOn) ? DependsOn : [DependsOn]).filter((d) => !removedIds.has(d));
    resources[id] = { ...replaceReferences(rest), ...(kept.length > 0 ? { DependsOn: kept } : {}) };
  }
  if (rewritten.Outputs) rewritten.Outputs = replaceReferences(rewritten.Outputs);
  for (const [type, logicalIds] of notCreated) {
    rewrites.push({
      kind: 'not-created',
      stack: stackName,
      type,
      logicalIds,
      moto: `${MOTO_SKIPS}; on AWS: ${MOTO_DOES_NOT_CREATE[type]}`,
      placeholders: placeholdersByType.get(type) ?? {},
    });
  }
  return { template: rewritten, rewrites };
}

/**
 * The value AWS gives `Ref` or an attribute of a resource of a type moto does not create: its name
 * property when the template sets one (moto resolves it if it is an intrinsic), else the name
 * CloudFormation would generate less its random suffix; ARNs in the resource's own format.
 */
function placeholder(type: string, logicalId: string, properties: Record<string, Json>, attribute: string, context: RewriteContext): Json {
  const generated = `${context.stackName}-${logicalId}`;
  const { region, account } = context;
  const join = (...parts: Json[]): Json => (parts.every((p) => typeof p === 'string') ? parts.join('') : { 'Fn::Join': ['', parts] });
  switch (type) {
    case 'AWS::DynamoDB::GlobalTable': {
      const name = properties.TableName ?? generated;
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn') return join(`arn:aws:dynamodb:${region}:${account}:table/`, name);
      return undefined;
    }
    case 'AWS::CloudWatch::Alarm': {
      const name = properties.AlarmName ?? generated;
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn') return join(`arn:aws:cloudwatch:${region}:${account}:alarm:`, name);
      return undefined;
    }
    case 'AWS::Scheduler::Schedule': {
      const name = properties.Name ?? generated;
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn')
        return join(`arn:aws:scheduler:${region}:${account}:schedule/`, properties.GroupName ?? 'default', '/', name);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** One line per rewrite (cross-stack references: one line per pair of stacks), for people: what changed for the emulator, and why. */
export function describeRewrites(rewrites: readonly MotoRewrite[]): string[] {
  const lines: string[] = [];
  const outputLines = new Map<string, number>();
  const outputGroups = new Map<string, Extract<MotoRewrite, { kind: 'stack-output' }>[]>();
  for (const rewrite of rewrites) {
    switch (rewrite.kind) {
      case 'stack-output': {
        const key = `${rewrite.stack}\u0000${rewrite.fromStack}`;
        if (!outputLines.has(key)) {
          outputLines.set(key, lines.length);
          lines.push('');
        }
        outputGroups.set(key, [...(outputGroups.get(key) ?? []), rewrite]);
        break;
      }
      case 'custom-resource-removed':
        lines.push(`${rewrite.stack}: removed ${rewrite.type} ${rewrite.logicalId}: ${rewrite.reason}`);
        break;
      case 'not-created': {
        const placeholders = Object.entries(rewrite.placeholders);
        const [first] = placeholders;
        lines.push(
          `${rewrite.stack}: not created by the emulator: ${rewrite.type} x${rewrite.logicalIds.length} (${rewrite.logicalIds.join(', ')}): ${rewrite.moto}` +
            (first
              ? `; ${placeholders.length} reference(s) to it replaced by the name or ARN AWS would give it (e.g. ${first[0]} -> ${first[1]})`
              : ''),
        );
        break;
      }
      case 'outside-app-removed':
        lines.push(`${rewrite.stack}: removed ${rewrite.type} ${rewrite.logicalId}: ${rewrite.reason}`);
        break;
      case 'created-through-api':
        lines.push(
          `${rewrite.stack}: ${rewrite.type} x${rewrite.names.length} created through the API after the deploy (${rewrite.how}): ${rewrite.names.slice(0, 4).join(', ')}${rewrite.names.length > 4 ? ', ...' : ''}`,
        );
        break;
      case 'image-not-built':
        lines.push(`${rewrite.stack}: image not built (${rewrite.reason}): the task definitions name ${rewrite.image}`);
        break;
      case 'app-option':
        lines.push(`all stacks: ${rewrite.option}: ${rewrite.reason}`);
        break;
    }
  }
  for (const [key, group] of outputGroups) {
    const references = group.reduce((sum, r) => sum + r.references, 0);
    lines[outputLines.get(key)!] =
      `${group[0].stack}: ${references} Fn::GetStackOutput reference(s) to ${group.length} output(s) of ${group[0].fromStack} replaced by their deployed values (moto has no Fn::GetStackOutput): ${group.map((r) => r.outputName).join(', ')}`;
  }
  return lines;
}
