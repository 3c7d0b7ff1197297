import { readFileSync, statSync } from 'node:fs';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';

/**
 * Our ceilings below CloudFormation's (500 resources, a 1 MB template from S3): a stack near them fails its
 * next change, so synth fails at these, with room left.
 */
export const STACK_LIMITS = { resources: 450, templateBytes: 900 * 1024 } as const;

/**
 * Every stack of the app under STACK_LIMITS, measured on the synthesized template files (what cdk deploy
 * uploads). Databases spread over numbered stacks (jobs.databasesPerStack, the monitoring blocks) keep a
 * stage under them; a stage that still reaches one fails synth naming the stack, the figure and the fix.
 */
export class StackLimitsPlugin implements IPolicyValidationPlugin {
  readonly name = 'PgBackup-StackLimits';
  readonly ruleIds = ['PgBackup-StackResources', 'PgBackup-StackTemplateSize'];

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    for (const stack of context.stackTemplates) {
      const bytes = statSync(stack.templatePath).size;
      const template = JSON.parse(readFileSync(stack.templatePath, 'utf8')) as { Resources?: Record<string, unknown> };
      const resources = Object.keys(template.Resources ?? {}).length;
      const at = [{ constructPath: stack.stackConstructPath, templatePath: stack.templatePath, locations: ['Resources'] }];
      const fix =
        'lower jobs.databasesPerStack (jobs stacks), or shorten what each database adds (smoke queries, ids); docs/operations.md "Two hundred databases"';
      if (resources >= STACK_LIMITS.resources) {
        violations.push({
          ruleName: 'PgBackup-StackResources',
          description: `${stack.stackConstructPath} has ${resources} resources; the limit is ${STACK_LIMITS.resources} (CloudFormation's is 500)`,
          fix,
          violatingResources: at,
        });
      }
      if (bytes >= STACK_LIMITS.templateBytes) {
        violations.push({
          ruleName: 'PgBackup-StackTemplateSize',
          description: `${stack.stackConstructPath}'s template is ${Math.round(bytes / 1024)} KB; the limit is ${STACK_LIMITS.templateBytes / 1024} KB (CloudFormation's is 1 MB)`,
          fix,
          violatingResources: at,
        });
      }
    }
    return { success: violations.length === 0, violations };
  }
}
