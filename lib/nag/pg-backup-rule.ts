import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleResult } from 'cdk-nag';

/**
 * One rule of PgBackupChecks, in the shape of cdk-nag's own: a check of one CfnResource that says
 * COMPLIANT, NOT_APPLICABLE, NON_COMPLIANT, or lists its findings (each acknowledged on its own as
 * `PgBackup-<id>[<finding>]`).
 */
export interface PgBackupRule {
  /** The rule id after `PgBackup-`, like `NoBackupTamperingGrant`. */
  readonly id: string;
  /** Why the rule was triggered: the line synth prints. */
  readonly info: string;
  /** Why the rule exists. */
  readonly explanation: string;
  readonly check: (node: CfnResource) => NagRuleResult;
}
