// Reading resolved CloudFormation values (Stack.resolve: intrinsics left as objects) for the PgBackupChecks rules.
import { type CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** An IAM policy statement as CloudFormation holds it (intrinsics resolved by Stack.resolve, not evaluated). */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a resolved policy document (`Statement` may be one object or a list). */
export function statementsOf(document: unknown): StatementJson[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  if (statement === undefined) return [];
  return (Array.isArray(statement) ? statement : [statement]) as StatementJson[];
}

/**
 * The statements of an IAM identity policy: AWS::IAM::Policy and ManagedPolicy, and the inline
 * Policies of a Role, User or Group. Undefined for any other resource.
 */
export function identityPolicyStatements(node: CfnResource): StatementJson[] | undefined {
  const stack = Stack.of(node);
  if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) return statementsOf(stack.resolve(node.policyDocument));
  if (node instanceof iam.CfnRole || node instanceof iam.CfnUser || node instanceof iam.CfnGroup) {
    // L1 properties resolve in their CDK (camelCase) shape; a policy document resolves to its JSON.
    const policies = (stack.resolve(node.policies) ?? []) as { policyDocument?: unknown }[];
    return policies.flatMap((policy) => statementsOf(policy.policyDocument));
  }
  return undefined;
}

/** The statements of an AWS::S3::BucketPolicy; undefined for any other resource. */
export function bucketPolicyStatements(node: CfnResource): StatementJson[] | undefined {
  return node instanceof s3.CfnBucketPolicy ? statementsOf(Stack.of(node).resolve(node.policyDocument)) : undefined;
}

/** The strings of a one-or-many field (Action, Resource, a principal's ARNs); intrinsics are left out. */
export function stringsOf(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** Whether an IAM action pattern (`s3:Delete*`, `s3:*`, `*`, any case) covers `action`. */
export function actionCovers(pattern: string, action: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/**
 * Whether `principal` (a resolved value of `Principal.AWS`) is an account root: `123456789012`,
 * `arn:aws:iam::123456789012:root`, or that ARN built with Fn::Join (`arn:`, partition, `:iam::`, account, `:root`).
 */
export function isAccountRoot(principal: unknown): boolean {
  if (typeof principal === 'string') return /^\d{12}$/.test(principal) || /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(principal);
  return /^arn:[^:]+:iam::(\d{12}|<token>):root$/.test(literalText(principal));
}

/** A string, or a Fn::Join with each non-literal part written `<token>`; '' for anything else. */
export function literalText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!Array.isArray(join) || !Array.isArray(join[1])) return '';
  return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0]);
}

/** Whether an Allow statement of a resource policy names anyone but account roots (services, roles, `*`). */
export function grantsBeyondAccountRoot(statement: StatementJson): boolean {
  if (statement.NotPrincipal !== undefined) return true;
  const principal = statement.Principal;
  if (principal === undefined) return false;
  if (typeof principal !== 'object' || principal === null) return true;
  return Object.entries(principal as Record<string, unknown>).some(
    ([kind, value]) => kind !== 'AWS' || (Array.isArray(value) ? value : [value]).some((p) => !isAccountRoot(p)),
  );
}
