import type { AccessRequest, RequestPrincipal } from './access-engine.js';
import type { AuthorizationModel, StageResource } from './authorization-model.js';

/** One request the deployed system must allow, or must refuse. */
export interface AccessEdge extends AccessRequest {
  /** The row group of the access matrix, like "CloudWatch alarms -> alert topic". */
  readonly group: string;
  /** Who, readable: "dump task role (orders-db)", "cloudwatch.amazonaws.com". */
  readonly principalLabel: string;
  readonly expect: 'allow' | 'deny';
  /** Why this request happens, or why it must not succeed. */
  readonly why: string;
}

/** The construct path of a resource without CDK's trailing `/Resource`: what a reviewer searches for. */
export function constructLabel(resource: StageResource): string {
  return (resource.constructPath ?? `${resource.stack.stackName}/${resource.logicalId}`).replace(/\/(Resource|Default)$/, '');
}

/** A role of the stage as a request principal, with a readable label. */
export function rolePrincipal(model: AuthorizationModel, roleArn: string): { principal: RequestPrincipal; principalLabel: string } {
  const role = model.role(roleArn);
  return { principal: { role: roleArn }, principalLabel: `role ${constructLabel(role.resource)}` };
}

/** The ARN of a KMS key named by key id, key ARN or alias (ARN or name) in the stage. */
export function keyArnOf(model: AuthorizationModel, stack: StageResource['stack'], keyReference: string): string {
  const direct = model.ofType('AWS::KMS::Key').find((k) => k.arn === keyReference || k.ref === keyReference);
  if (direct) return direct.arn!;
  const aliasName = keyReference.includes(':alias/') ? `alias/${keyReference.split(':alias/')[1]}` : keyReference;
  const aliasArnRegion = keyReference.includes(':alias/') ? keyReference.split(':')[3] : stack.region;
  const alias = model.ofType('AWS::KMS::Alias').find((a) => a.properties.AliasName === aliasName && a.stack.region === aliasArnRegion);
  if (alias) {
    const target = model
      .ofType('AWS::KMS::Key')
      .find((k) => k.stack === alias.stack && (k.ref === alias.properties.TargetKeyId || k.arn === alias.properties.TargetKeyId));
    if (target) return target.arn!;
  }
  throw new Error(`${stack.stackName}: key ${keyReference} is not a key of the stage`);
}
