import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import type { RequestAnalysis, Simulation } from '@cloud-copilot/iam-simulate';

/**
 * iam-simulate's own authorization core, called with a request its validation would have altered.
 *
 * Its public entry point checks context keys against the IAM reference and recognises templated keys only in
 * the `aws:PrincipalTag/<key>` form, so it drops KMS's `kms:EncryptionContext:<key>` and evaluates as if
 * the key were absent; its unvalidated entry point crashes on a resource policy (it loads it without the
 * name its analysis reads). The AccessEngine validates every request through the public entry point first,
 * then, only when encryption-context keys were dropped, asks the same core directly. The package exports
 * only its index, so the module is loaded by file URL from the installed version (pinned by package-lock).
 */
export async function authorizeUnvalidated(simulation: Simulation): Promise<RequestAnalysis> {
  const esm = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-simulate')), '../esm');
  const load = async (path: string) => import(pathToFileURL(join(esm, path)).href);
  const [{ authorize }, { AwsRequestImpl }, { RequestContextImpl }, { DiscoveryContextKeyConstraints }] = await Promise.all([
    load('core_engine/CoreSimulatorEngine.js'),
    load('request/request.js'),
    load('requestContext.js'),
    load('context_keys/discoveryContextKeyConstraints.js'),
  ]);
  const { request } = simulation;
  return authorize({
    request: new AwsRequestImpl(request.principal, request.resource, request.action, new RequestContextImpl(request.contextVariables)),
    sessionPolicy: undefined,
    identityPolicies: simulation.identityPolicies.map((p) => loadPolicy(p.policy, { name: p.name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy ? loadPolicy(simulation.resourcePolicy, { name: 'resource-policy' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: simulation.vpcEndpointPolicies?.map((p) => loadPolicy(p.policy, { name: p.name })),
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: { blockPublicAccess: simulation.additionalSettings?.s3?.blockPublicAccess } },
  }) as RequestAnalysis;
}
