import type { AppConfig } from '../../lib/config/app-config.js';
import { pgBackupApp } from '../../lib/pg-backup-app.js';

/** A CloudFormation resource as synthesized. */
export interface CfnResource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read by path
  readonly Properties?: Record<string, any>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

/** One synthesized stack and the environment it deploys to. */
export interface StackTemplate {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

/**
 * Every stack of a stage, synthesized in-process exactly as `cdk synth --all` builds it (cdk.json flags,
 * cdk.context.json, the security gates), with its account and region.
 */
export function synthesizeStage(config: AppConfig): StackTemplate[] {
  // Path metadata (on by default in the CDK CLI) names each resource's construct in the matrix.
  const { app } = pgBackupApp(config, { appProps: { context: { 'aws:cdk:enable-path-metadata': true } } });
  const assembly = app.synth();
  return assembly.stacks.map((stack) => ({
    stackName: stack.stackName,
    account: stack.environment.account,
    region: stack.environment.region,
    template: stack.template as CfnTemplate,
  }));
}
