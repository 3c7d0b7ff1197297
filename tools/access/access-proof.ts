import type { AppConfig } from '../../lib/config/app-config.js';
import { backupKeyAliasName } from '../../lib/storage/backup-key.js';
import type { AccessEdge } from './access-edge.js';
import { type AccessDecision, AccessEngine } from './access-engine.js';
import { AuthorizationModel } from './authorization-model.js';
import type { RecordedCodeEdges } from './code-edges.js';
import { type IamRequest, iamRequestsOf, type StageFacts } from './iam-requests.js';
import { blastRadiusEdges, mustDenyProbes } from './must-deny-probes.js';
import { operatorEdges } from './operator-edges.js';
import { serviceEdges } from './service-edges.js';
import { type StackTemplate, synthesizeStage } from './stack-templates.js';

export interface EvaluatedEdge {
  readonly edge: AccessEdge;
  readonly decision: AccessDecision;
  readonly ok: boolean;
}

/** A recorded call's authorization, decided for the role that makes it (operators' calls are listed, not decided). */
export interface EvaluatedCall {
  readonly actor: string;
  readonly roleArn?: string;
  readonly request: IamRequest;
  readonly decision?: AccessDecision;
  readonly ok: boolean;
}

/** The stage's templates as a model, and the engine that decides over it. */
export function accessModel(config: AppConfig): { model: AuthorizationModel; engine: AccessEngine } {
  const stacks = synthesizeStage(config);
  const model = new AuthorizationModel(stacks, config.account, pinnedByConfig(config, stacks));
  return { model, engine: new AccessEngine(model) };
}

/**
 * The vault's replica key has the ARN the configuration gives (vault.replicaKeyArn, copied from the vault
 * stack's output): replication names it, so the model must give the key that ARN, not a placeholder.
 */
function pinnedByConfig(config: AppConfig, stacks: readonly StackTemplate[]): Map<string, { ref: string; arn: string }> {
  const pinned = new Map<string, { ref: string; arn: string }>();
  const keyArn = config.vault?.replicaKeyArn;
  if (!keyArn) return pinned;
  const replica = stacks.find((s) => s.account === config.vault!.account && s.region === config.vault!.region);
  const alias = Object.values(replica?.template.Resources ?? {}).find(
    (r) => r.Type === 'AWS::KMS::Alias' && r.Properties?.AliasName === `alias/${backupKeyAliasName(config.appName)}`,
  );
  const logicalId = (alias?.Properties?.TargetKeyId as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!replica || !logicalId) throw new Error('the vault stack has no backup key with its alias: the proof cannot pin vault.replicaKeyArn');
  pinned.set(`${replica.stackName}/${logicalId}`, { ref: keyArn.split('/').pop()!, arn: keyArn });
  return pinned;
}

/** The service edges and the must-deny probes of the stage, each decided. */
export async function evaluateDeclaredEdges(engine: AccessEngine, config: AppConfig): Promise<EvaluatedEdge[]> {
  const edges = [
    ...serviceEdges(engine.model),
    ...mustDenyProbes(engine.model, config.appName),
    ...blastRadiusEdges(engine.model, config.protection.breakGlassRoleName),
    ...operatorEdges(engine.model, config),
  ];
  const evaluated: EvaluatedEdge[] = [];
  for (const edge of edges) {
    const decision = await engine.decide(edge);
    evaluated.push({ edge, decision, ok: (decision.result === 'Allowed') === (edge.expect === 'allow') });
  }
  return evaluated;
}

/** Every recorded call, as the IAM authorizations it needs, decided for the role whose key signed it. */
export async function evaluateRecordedCalls(engine: AccessEngine, recorded: RecordedCodeEdges): Promise<EvaluatedCall[]> {
  const stage = stageFacts(engine.model);
  const evaluated: EvaluatedCall[] = [];
  for (const call of recorded.requests) {
    const actor = recorded.actors.get(call.accessKeyId);
    if (!actor) throw new Error(`a call was signed by ${call.accessKeyId}, which no scenario stands for`);
    for (const request of iamRequestsOf(call, stage)) {
      if (!actor.roleArn) {
        evaluated.push({ actor: actor.label, request, ok: true });
        continue;
      }
      const decision = await engine.decide({
        principal: { role: actor.roleArn },
        action: request.action,
        resource: request.resource,
        context: request.context,
      });
      evaluated.push({ actor: actor.label, roleArn: actor.roleArn, request, decision, ok: decision.result === 'Allowed' });
    }
  }
  return evaluated;
}

/** What a denied call tells the engineer: the call, the role, and what is missing. */
export function describeDenial(call: EvaluatedCall, model: AuthorizationModel): string {
  const role = model.role(call.roleArn!);
  const decision = call.decision!;
  const why =
    decision.result === 'ExplicitlyDenied'
      ? `denied by ${decision.deciding.join(', ')}`
      : decision.deciding.length > 0
        ? `refused by ${decision.deciding.join(', ')}`
        : `no statement allows it${decision.closest.length > 0 ? `; closest: ${decision.closest.join('; ')}` : ' (no statement of the role names this action or resource)'}`;
  return `${call.request.call}: ${call.actor} (${role.resource.constructPath ?? role.arn}) would be refused ${call.request.action} on ${call.request.resource} ${JSON.stringify(call.request.context)}: ${why}`;
}

function stageFacts(model: AuthorizationModel): StageFacts {
  return {
    account: model.mainAccount,
    bucketKey: (bucket) => {
      const resource = model.ofType('AWS::S3::Bucket').find((b) => b.ref === bucket);
      const key = resource?.properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault
        ?.KMSMasterKeyID as string | undefined;
      return key ? (model.find(key)?.arn ?? key) : undefined;
    },
    topicKey: (topicArn) => {
      const topic = model.ofType('AWS::SNS::Topic').find((t) => t.arn === topicArn);
      const key = topic?.properties.KmsMasterKeyId as string | undefined;
      return key ? (model.find(key)?.arn ?? key) : undefined;
    },
  };
}
