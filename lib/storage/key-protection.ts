import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { type ProtectedPrincipals, unlessProtectedPrincipal } from './protected-principals.js';

/**
 * The key actions that destroy what a key protects, or take it out of our hands: scheduling its deletion,
 * disabling it or its rotation, replacing its policy, moving or dropping its aliases.
 */
export const KEY_DESTRUCTIVE_ACTIONS = [
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:PutKeyPolicy',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
] as const;

/**
 * Denies KEY_DESTRUCTIVE_ACTIONS, and grants other than those AWS services create for their resources, to
 * everyone but the break-glass role and CloudFormation's execution role: the account's administrators and
 * its root user included, since a key policy binds them too. With the account statement CDK writes, IAM
 * still decides every use of the key; these denies decide who can end it.
 */
export function protectKey(key: kms.Key, principals: ProtectedPrincipals): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyDestroyingTheKeyExceptBreakGlass',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...KEY_DESTRUCTIVE_ACTIONS],
      resources: ['*'],
      conditions: unlessProtectedPrincipal(principals),
    }),
  );
  // A grant is a second, quieter key policy: only AWS services may create them, for their own resources.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { ...unlessProtectedPrincipal(principals), BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' } },
    }),
  );
}
