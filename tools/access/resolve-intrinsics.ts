import { physicalValue } from './physical-names.js';
import type { StackTemplate } from './stack-templates.js';

/**
 * Resolves CloudFormation intrinsics and pseudo parameters in a stack's template to the values they
 * take when the stage is deployed: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::GetStackOutput (CDK's cross-stack reference: followed to the other stack's Outputs) and
 * Fn::ImportValue. An intrinsic it cannot resolve is an error naming it: a policy half-resolved would
 * prove nothing.
 */
export class IntrinsicResolver {
  private readonly byName: ReadonlyMap<string, StackTemplate>;

  /**
   * @param pinned physical values known from the configuration, by `stack/LogicalId` (a key whose ARN the
   * stage names, like the vault's replica key): Ref and Arn.
   */
  constructor(
    readonly stacks: readonly StackTemplate[],
    private readonly pinned: ReadonlyMap<string, { readonly ref: string; readonly arn: string }> = new Map(),
  ) {
    this.byName = new Map(stacks.map((s) => [s.stackName, s]));
  }

  stack(stackName: string): StackTemplate {
    const stack = this.byName.get(stackName);
    if (!stack) throw new Error(`no stack ${stackName} in the stage (stacks: ${[...this.byName.keys()].join(', ')})`);
    return stack;
  }

  /** `value` of `stack` with every intrinsic resolved. `AWS::NoValue` entries are dropped. */
  resolve(stack: StackTemplate, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.intrinsic(stack, keys[0]!, object[keys[0]!]);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(object)) {
      const resolved = this.resolve(stack, v);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  /** A string-valued field, resolved. */
  resolveString(stack: StackTemplate, value: unknown): string {
    const resolved = this.resolve(stack, value);
    if (typeof resolved !== 'string') throw new Error(`${stack.stackName}: expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private intrinsic(stack: StackTemplate, name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(stack, argument as string);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? (argument as [string, string]) : (argument as string).split(/\.(.*)/s);
        return this.physical(stack, logicalId!, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).map((p) => this.asString(stack, p)).join(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [argument as string, {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, expression: string) => {
          if (expression in variables) return this.asString(stack, this.resolve(stack, variables[expression]));
          const [logicalId, attribute] = expression.split(/\.(.*)/s);
          return this.asString(stack, attribute ? this.physical(stack, logicalId!, attribute) : this.ref(stack, logicalId!));
        });
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return this.asString(stack, this.resolve(stack, text)).split(separator);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${stack.region}${zone}`);
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = argument as { StackName: string; OutputName: string };
        const other = this.stack(StackName);
        const output = other.template.Outputs?.[OutputName];
        if (!output) throw new Error(`${stack.stackName}: Fn::GetStackOutput names ${StackName}.${OutputName}, which does not exist`);
        return this.resolve(other, output.Value);
      }
      case 'Fn::ImportValue': {
        const exportName = this.asString(stack, this.resolve(stack, argument));
        for (const other of this.stacks) {
          for (const output of Object.values(other.template.Outputs ?? {})) {
            if (output.Export && this.resolve(other, output.Export.Name) === exportName) return this.resolve(other, output.Value);
          }
        }
        throw new Error(`${stack.stackName}: Fn::ImportValue ${exportName} is exported by no stack of the stage`);
      }
      default:
        throw new Error(`${stack.stackName}: cannot resolve ${name} ${JSON.stringify(argument).slice(0, 200)}`);
    }
  }

  private ref(stack: StackTemplate, name: string): unknown {
    switch (name) {
      case 'AWS::AccountId':
        return stack.account;
      case 'AWS::Region':
        return stack.region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return this.physical(stack, name, undefined);
    }
  }

  private physical(stack: StackTemplate, logicalId: string, attribute: string | undefined): string {
    const resource = stack.template.Resources[logicalId];
    if (!resource) throw new Error(`${stack.stackName}: reference to ${logicalId}, which is not a resource of the stack`);
    const pinned = this.pinned.get(`${stack.stackName}/${logicalId}`);
    if (pinned && (attribute === undefined || attribute === 'KeyId')) return pinned.ref;
    if (pinned && attribute === 'Arn') return pinned.arn;
    return physicalValue(stack, logicalId, resource, attribute, (value) => this.resolve(stack, value));
  }

  private asString(stack: StackTemplate, value: unknown): string {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new Error(`${stack.stackName}: expected a string, got ${JSON.stringify(value)}`);
  }
}

/** `Ref: AWS::NoValue`: the property or list entry is left out. */
const NO_VALUE = Symbol('AWS::NoValue');
