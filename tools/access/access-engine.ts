import {
  anonymousPrincipal,
  getDenialReasons,
  getGrantReasons,
  type RequestAnalysis,
  runSimulation,
  type Simulation,
} from '@cloud-copilot/iam-simulate';
import type { AuthorizationModel, StageEndpoint } from './authorization-model.js';
import { type PolicyDocument, type PolicySource, type SourcedPolicy, sourceId, statementLabel } from './policy-document.js';
import { authorizeUnvalidated } from './unvalidated-authorize.js';

/** Who makes a request. */
export type RequestPrincipal =
  /** A role of the stage, by ARN: its policies come from the model. */
  | { readonly role: string }
  /** An AWS service acting with its own identity, like `cloudwatch.amazonaws.com`. */
  | { readonly service: string }
  /** An unsigned request. */
  | { readonly anonymous: true }
  /** A principal outside the stage (another account's admin, an admin role of this account) with its own policies. */
  | { readonly arn: string; readonly policies: readonly PolicyDocument[] };

export interface AccessRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly resource: string;
  /** Request context keys (`s3:prefix`, `kms:ViaService`, `aws:SourceArn`...). aws:SecureTransport defaults to true. */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The account that owns `resource`, for a resource outside the stage whose ARN names none (an S3 bucket).
   * @default - the stage's, for its own resources; else the ARN's account field
   */
  readonly resourceAccount?: string;
  /** A resource policy of a resource outside the stage (another account's bucket that admits everyone). */
  readonly resourcePolicy?: PolicyDocument;
  /**
   * The task whose network the request leaves, by family: the endpoint of its VPC for the action's service
   * bounds it. Requests of a task's own task or execution role leave from that task without saying so; a
   * request with `kms:ViaService` is made by that service inside AWS and passes no endpoint of ours.
   */
  readonly sentFrom?: { readonly taskFamily: string };
}

/** The VPC endpoint a request passes, and the context keys that only exist for requests through one. */
interface EndpointPassage {
  readonly endpoint: StageEndpoint;
  readonly context: Record<string, string>;
}

/** Which endpoint service carries an action: ECR's registry (image pulls) is `ecr.dkr`, its API `ecr.api`. */
export function endpointServiceOf(action: string): string {
  const [prefix, name] = action.split(':') as [string, string];
  if (prefix === 'ecr') return name === 'GetAuthorizationToken' ? 'ecr.api' : 'ecr.dkr';
  return prefix;
}

export type AccessResult = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface AccessDecision {
  readonly result: AccessResult;
  /** The statements that decide: those that allow an allowed request, those that deny an explicitly denied one. */
  readonly deciding: readonly string[];
  /** For a request no statement allows: the statements that come closest, and what they miss. */
  readonly closest: readonly string[];
}

/** An administrator's identity policy: everything, everywhere (what "any admin of the account" holds). */
export const ADMINISTRATOR_ACCESS: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/**
 * Decides requests against the authorization model with @cloud-copilot/iam-simulate, a maintained IAM
 * evaluation engine (identity and resource policies, service principals, cross-account, every condition
 * operator). This class only gathers the policies that apply and names the statements that decide.
 *
 * One gap of the engine is bridged (see unvalidated-authorize.ts): its validation drops KMS's
 * `kms:EncryptionContext:<key>` context keys; then the same engine's core decides the validated request
 * with those keys kept.
 */
export class AccessEngine {
  constructor(readonly model: AuthorizationModel) {}

  async decide(request: AccessRequest): Promise<AccessDecision> {
    const identity = this.identityPolicies(request.principal);
    // What AWS puts in every signed request's context: who the caller is.
    const principalArn =
      'role' in request.principal ? request.principal.role : 'arn' in request.principal ? request.principal.arn : undefined;
    const principalContext: Record<string, string> = {
      ...(principalArn ? { 'aws:PrincipalArn': principalArn, 'aws:PrincipalAccount': principalAccount(request.principal)! } : {}),
      // In every signed request: whether an AWS service principal makes it (data-perimeter Denies exempt them).
      ...('anonymous' in request.principal ? {} : { 'aws:PrincipalIsAWSService': 'service' in request.principal ? 'true' : 'false' }),
    };
    const resource: readonly SourcedPolicy[] = request.resourcePolicy
      ? [{ source: { stack: 'outside the stage', logicalId: request.resource, kind: 'resource policy' }, document: request.resourcePolicy }]
      : this.model.resourcePoliciesFor(request.resource);
    const resourceDocument = mergeDocuments(resource);
    const resourceAccount =
      request.resourceAccount ??
      (request.resource === '*' ? principalAccount(request.principal) : undefined) ??
      this.model.ownerAccount(request.resource) ??
      this.model.mainAccount;
    const passage = this.endpointPassage(request, resourceAccount);
    const simulation: Simulation = {
      request: {
        principal: simulationPrincipal(request.principal),
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...principalContext,
          ...(passage?.context ?? {}),
          ...(request.context as Record<string, string | string[]>),
        },
      },
      identityPolicies: identity.map((p, i) => ({ name: `identity-${i}`, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourceDocument ? { resourcePolicy: resourceDocument.document } : {}),
      ...(passage?.endpoint.policy ? { vpcEndpointPolicies: [{ name: 'endpoint', policy: passage.endpoint.policy.document }] } : {}),
    };
    const validated = await runSimulation(simulation, {});
    if (validated.resultType === 'error') {
      throw new Error(
        `iam-simulate refused ${request.action} on ${request.resource}: ${validated.errors.message} ${JSON.stringify(validated.errors).slice(0, 400)}`,
      );
    }
    // An action that takes no resource (PutMetricData, GetAuthorizationToken) is asked about `*`: one result.
    if (validated.resultType === 'wildcard' && validated.results.length === 0) {
      // No policy names the action at all.
      return { result: validated.overallResult as AccessResult, deciding: [], closest: [] };
    }
    const result = validated.resultType === 'single' ? validated.result : validated.results.length === 1 ? validated.results[0] : undefined;
    if (!result) throw new Error(`${request.action} on ${request.resource}: the proof names exact resources, not patterns`);
    const ignored = result.ignoredContextKeys ?? [];
    const templated = ignored.filter((k) => k.toLowerCase().startsWith('kms:encryptioncontext:'));
    if (ignored.length > templated.length) {
      throw new Error(
        `${request.action} on ${request.resource}: context keys ${ignored.filter((k) => !templated.includes(k)).join(', ')} do not apply to this action (a wrong key would prove nothing)`,
      );
    }
    const analysis = templated.length === 0 ? result.analysis : await authorizeUnvalidated(simulation);
    return this.fromAnalysis(analysis, identity, resourceDocument, passage?.endpoint.policy);
  }

  /**
   * The endpoint a request from inside a task's VPC passes: the one of that VPC for the action's service. A task
   * VPC of the stage without an endpoint for the service has no route to it (no NAT): an error, not a pass.
   */
  private endpointPassage(request: AccessRequest, resourceAccount: string): EndpointPassage | undefined {
    if (request.context?.['kms:ViaService'] !== undefined) return undefined;
    const families = request.sentFrom
      ? [request.sentFrom.taskFamily]
      : 'role' in request.principal
        ? this.model.taskFamiliesOf(request.principal.role)
        : [];
    const vpcs = new Set(families.map((f) => this.model.vpcOfTask(f)));
    if (vpcs.size !== 1) {
      if (vpcs.size > 1) throw new Error(`${request.action}: the role runs in tasks of several VPCs (${families.join(', ')})`);
      return undefined;
    }
    const vpc = [...vpcs][0];
    if (vpc === undefined) return undefined;
    const service = endpointServiceOf(request.action);
    const endpoint = this.model.endpoints.find((e) => e.vpc === vpc && e.service === service);
    if (!endpoint) {
      throw new Error(
        `${families.join(', ')} runs in VPC ${vpc}, which has no ${service} endpoint: ${request.action} on ${request.resource} could not leave it`,
      );
    }
    const principal = principalAccount(request.principal);
    return {
      endpoint,
      context: {
        'aws:SourceVpc': vpc,
        'aws:SourceVpce': endpoint.resource.ref,
        'aws:ResourceAccount': resourceAccount,
        ...(principal ? { 'aws:PrincipalAccount': principal } : {}),
      },
    };
  }

  private identityPolicies(principal: RequestPrincipal): readonly SourcedPolicy[] {
    if ('role' in principal) return this.model.role(principal.role).identityPolicies;
    if ('arn' in principal) {
      return principal.policies.map((document, i) => ({
        source: { stack: 'outside the stage', logicalId: `${principal.arn} policy ${i + 1}`, kind: 'identity policy' },
        document,
      }));
    }
    return [];
  }

  private fromAnalysis(
    analysis: RequestAnalysis,
    identity: readonly SourcedPolicy[],
    resource: MergedDocument | undefined,
    endpoint: SourcedPolicy | undefined,
  ): AccessDecision {
    const label = (policyType: string, policyIdentifier: string | undefined, statementId: string | undefined, statementIndex: number) => {
      if (policyType === 'resource' && resource) {
        const origin = resource.origins[statementIndex - 1]!;
        return statementLabel(origin.source, statementId, origin.index);
      }
      if (policyType === 'vpce' && endpoint) return statementLabel(endpoint.source, statementId, statementIndex);
      const policy = identity[Number(policyIdentifier?.replace('identity-', ''))];
      return policy ? statementLabel(policy.source, statementId, statementIndex) : `${policyType} statement ${statementIndex}`;
    };
    const result = analysis.result as AccessResult;
    if (result === 'Allowed') {
      return {
        result,
        deciding: getGrantReasons(analysis).map((g) =>
          label(g.policyType, 'policyIdentifier' in g ? g.policyIdentifier : undefined, g.statementId, g.statementIndex),
        ),
        closest: [],
      };
    }
    if (result === 'ExplicitlyDenied') {
      const denials = getDenialReasons(analysis).flatMap((d) =>
        d.denialType === 'Explicit' ? [label(d.policyType, d.policyIdentifier, d.statementId, d.statementIndex)] : [],
      );
      return { result, deciding: denials, closest: [] };
    }
    const describe = (s: NonNullable<RequestAnalysis['identityAnalysis']>['unmatchedStatements'][number], fromResource: boolean) => {
      const missing = [
        !s.actionMatch && 'action',
        !s.resourceMatch && 'resource',
        s.conditionMatch !== 'Match' && 'conditions',
        s.principalMatch === 'NoMatch' && 'principal',
      ]
        .filter(Boolean)
        .join(', ');
      const where = label(fromResource ? 'resource' : 'identity', s.policyId, s.statement.sid(), s.statement.index());
      return `${where} (does not match the ${missing})`;
    };
    // Statements that allow this action but not here: what the missing statement would look like.
    const nearly = (s: { statement: { isAllow(): boolean }; actionMatch: boolean }) => s.statement.isAllow() && s.actionMatch;
    const closest = [
      ...(analysis.identityAnalysis?.unmatchedStatements ?? []).filter(nearly).map((s) => describe(s, false)),
      ...(analysis.resourceAnalysis?.unmatchedStatements ?? []).filter(nearly).map((s) => describe(s, true)),
    ];
    // A request the endpoint's policy does not admit is refused there, whatever the other policies say.
    const endpointRefuses = endpoint && analysis.endpointAnalysis && analysis.endpointAnalysis.result !== 'Allowed';
    return {
      result,
      deciding: endpointRefuses ? [`${sourceId(endpoint.source)} (${endpoint.source.kind} admits no such request)`] : [],
      closest,
    };
  }
}

/** The account of a signed request's principal. */
function principalAccount(principal: RequestPrincipal): string | undefined {
  const arn = 'role' in principal ? principal.role : 'arn' in principal ? principal.arn : undefined;
  return arn?.split(':')[4] || undefined;
}

function simulationPrincipal(principal: RequestPrincipal): Simulation['request']['principal'] {
  if ('role' in principal) return principal.role;
  if ('service' in principal) return principal.service;
  if ('anonymous' in principal) return anonymousPrincipal;
  return principal.arn;
}

interface MergedDocument {
  readonly document: PolicyDocument;
  /** For each statement of `document`: the policy it came from and its 1-based index there. */
  readonly origins: readonly { readonly source: PolicySource; readonly index: number }[];
}

/** One resource policy of every policy governing a resource (S3 allows one bucket policy; SNS one per TopicPolicy...). */
function mergeDocuments(policies: readonly SourcedPolicy[]): MergedDocument | undefined {
  if (policies.length === 0) return undefined;
  return {
    document: { Version: '2012-10-17', Statement: policies.flatMap((p) => p.document.Statement) },
    origins: policies.flatMap((p) => p.document.Statement.map((_, i) => ({ source: p.source, index: i + 1 }))),
  };
}
