import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The principals key and bucket policies still let destroy or loosen what they protect, in the account and
 * region of `scope`: the configured break-glass role and CloudFormation's execution role (so `cdk deploy`
 * keeps working). Everyone else, the account's administrators and its root user included, is denied.
 */
export interface ProtectedPrincipals {
  readonly breakGlassRoleArn: string;
  readonly cloudFormationExecutionRoleArn: string;
}

/** The break-glass role and the CDK bootstrap's CloudFormation execution role of `scope`'s account and region. */
export function protectedPrincipals(scope: Construct, breakGlassRoleName: string): ProtectedPrincipals {
  const stack = Stack.of(scope);
  const qualifier =
    (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return {
    breakGlassRoleArn: `arn:${stack.partition}:iam::${stack.account}:role/${breakGlassRoleName}`,
    cloudFormationExecutionRoleArn: `arn:${stack.partition}:iam::${stack.account}:role/cdk-${qualifier}-cfn-exec-role-${stack.account}-${stack.region}`,
  };
}

/** The condition that exempts them: `aws:PrincipalArn` is neither. */
export function unlessProtectedPrincipal(principals: ProtectedPrincipals): Record<string, Record<string, string[]>> {
  return { ArnNotEquals: { 'aws:PrincipalArn': [principals.breakGlassRoleArn, principals.cloudFormationExecutionRoleArn] } };
}
