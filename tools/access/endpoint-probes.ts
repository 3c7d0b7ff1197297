import { type AccessEdge, rolePrincipal } from './access-edge.js';
import { ADMINISTRATOR_ACCESS, type RequestPrincipal } from './access-engine.js';
import type { AuthorizationModel, StageEndpoint } from './authorization-model.js';

/** An AWS account that is not the stage's: where a compromised task would copy the backups to. */
export const ATTACKER_ACCOUNT = '999999999999';
/** The bucket in that account, writable by everyone its policy admits. */
export const ATTACKER_BUCKET = 'attacker-bucket';
/**
 * Stands in for the AWS-owned account ECR presigns image-layer URLs with: the proof needs an account that is
 * neither the stage's nor the attacker's, and AWS does not publish ECR's.
 */
export const ECR_LAYER_ACCOUNT = '000000000000';

/** The attacker's bucket admits anyone: only our side can stop a write to it. */
const OPEN_BUCKET_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow' as const,
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${ATTACKER_BUCKET}`, `arn:aws:s3:::${ATTACKER_BUCKET}/*`],
    },
  ],
};

/** Per endpoint service: a request that would carry data out to another account through it. */
function exfiltration(service: string, region: string): { action: string; resource: string; what: string } | undefined {
  const account = ATTACKER_ACCOUNT;
  switch (service) {
    case 's3':
      return {
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${ATTACKER_BUCKET}/dump.pgdump.zst`,
        what: 'copies a dump into a bucket of another account',
      };
    case 'ecr.api':
      return { action: 'ecr:GetAuthorizationToken', resource: '*', what: "logs in to another account's registry to push data as an image" };
    case 'ecr.dkr':
      return {
        action: 'ecr:PutImage',
        resource: `arn:aws:ecr:${region}:${account}:repository/exfil`,
        what: "pushes data as an image to another account's registry",
      };
    case 'logs':
      return {
        action: 'logs:PutLogEvents',
        resource: `arn:aws:logs:${region}:${account}:log-group:exfil:log-stream:dump`,
        what: "writes data into another account's log group",
      };
    case 'secretsmanager':
      return {
        action: 'secretsmanager:PutSecretValue',
        resource: `arn:aws:secretsmanager:${region}:${account}:secret:exfil-AbCdEf`,
        what: "stores data (or our credentials) in another account's secret",
      };
    case 'kms':
      return { action: 'kms:Encrypt', resource: `arn:aws:kms:${region}:${account}:key/exfil`, what: "sends data to another account's key" };
    case 'rds':
      return {
        action: 'rds:AddTagsToResource',
        resource: `arn:aws:rds:${region}:${account}:db:exfil`,
        what: "writes data as tags of another account's database",
      };
    default:
      return undefined;
  }
}

/**
 * What a compromised task might try through our VPC endpoints, each of which must fail: its own role, or
 * credentials of another account brought into the task, reaching that account's resources (one request per
 * endpoint, from the first scheduled task of each VPC); and ECR's layer-URL account reaching anything but ECR's layers.
 * The endpoint policies are the only barrier for foreign credentials: their own account lets them do anything.
 */
export function endpointProbes(model: AuthorizationModel): AccessEdge[] {
  const probes: AccessEdge[] = [];
  const byVpc = new Map<string, StageEndpoint[]>();
  for (const endpoint of model.endpoints) byVpc.set(endpoint.vpc, [...(byVpc.get(endpoint.vpc) ?? []), endpoint]);
  for (const [vpc, endpoints] of byVpc) {
    const run = model.runs.find((r) => r.vpc === vpc);
    if (!run) continue;
    const task = run.name;
    const group = `Through our VPC endpoints: another account's resources (from ${task})`;
    const attacker = {
      principal: { arn: `arn:aws:iam::${ATTACKER_ACCOUNT}:role/Attacker`, policies: [ADMINISTRATOR_ACCESS] } as RequestPrincipal,
      principalLabel: `credentials of account ${ATTACKER_ACCOUNT}, used inside the ${task} task`,
    };
    const own = rolePrincipal(model, run.taskRoleArn);
    for (const endpoint of endpoints) {
      const probe = exfiltration(endpoint.service, endpoint.region);
      if (!probe)
        throw new Error(
          `the proof has no exfiltration probe for the ${endpoint.service} endpoint: add one to tools/access/endpoint-probes.ts`,
        );
      const request = {
        action: probe.action,
        resource: probe.resource,
        resourceAccount: ATTACKER_ACCOUNT,
        ...(endpoint.service === 's3' ? { resourcePolicy: OPEN_BUCKET_POLICY } : {}),
        sentFrom: { schedule: task },
        expect: 'deny' as const,
      };
      // A token for "another registry" is only a thing for that registry's own credentials.
      if (probe.resource !== '*') probes.push({ group, ...own, ...request, why: `${probe.what}, with the task's own role` });
      probes.push({ group, ...attacker, ...request, why: `${probe.what}, with that account's own credentials` });
    }
    if (endpoints.some((e) => e.service === 's3')) {
      probes.push({
        group,
        ...ecrLayerPresigner(),
        action: 's3:GetObject',
        resource: `arn:aws:s3:::someone-elses-bucket/payload`,
        resourceAccount: ECR_LAYER_ACCOUNT,
        sentFrom: { schedule: task },
        expect: 'deny',
        why: "an AWS-owned presigned URL admits only ECR's image layers, not any AWS-owned bucket",
      });
    }
  }
  return probes;
}

/** Whoever signs ECR's presigned image-layer URLs: an AWS-owned account, not ours. */
export function ecrLayerPresigner(): { principal: RequestPrincipal; principalLabel: string } {
  return {
    principal: {
      arn: `arn:aws:iam::${ECR_LAYER_ACCOUNT}:role/ecr-layer-presigner`,
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }],
    },
    principalLabel: "ECR's presigned image-layer URL (an AWS-owned account)",
  };
}
