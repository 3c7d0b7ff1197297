import { checkSubnetIds, ID_RULES } from './id-rules.js';
import type { ConfigProblems } from './problems.js';
import { checkText, checkWholeNumber, withDefaults } from './toolkit.js';

/**
 * An existing VPC: its private subnets need a route to the AWS APIs (NAT or VPC endpoints). Egress is
 * closed (HTTPS only to S3 and the interface endpoints) when both `endpointSecurityGroupId` and
 * `s3PrefixListId` are given; without them the tasks may send HTTPS anywhere the VPC routes (your NAT).
 */
export interface ExistingNetworkConfig {
  /** Like `vpc-0123456789abcdef0`. */
  readonly vpcId: string;
  /** Private subnets the tasks run in (no public IP). */
  readonly privateSubnetIds: readonly string[];
  /**
   * The security group of the VPC's interface endpoints (ECR api and dkr, CloudWatch Logs, Secrets
   * Manager, KMS, RDS), like `sg-0123456789abcdef0`: the tasks may send HTTPS to it. Give it together
   * with `s3PrefixListId`; see docs/security.md "Egress" for the endpoints and policies to provide.
   * @default - HTTPS to anywhere (0.0.0.0/0): the VPC's NAT or endpoints
   */
  readonly endpointSecurityGroupId?: string;
  /**
   * The region's S3 prefix list (`com.amazonaws.<region>.s3`), like `pl-6da54004`: the tasks may send
   * HTTPS to S3 through it. Give it together with `endpointSecurityGroupId`.
   * @default - HTTPS to anywhere (0.0.0.0/0)
   */
  readonly s3PrefixListId?: string;
}

/** A new VPC for the tasks: private isolated subnets, VPC endpoints for every AWS API they call, no NAT gateway. */
export interface NewNetworkConfig {
  readonly createVpc: true;
  /** @default 10.80.0.0/20 */
  readonly cidr?: string;
  /** @default 2 */
  readonly maxAzs?: number;
  /**
   * The region's S3 prefix list (`com.amazonaws.<region>.s3`), like `pl-6da54004`: the tasks may send
   * HTTPS only to it (S3, through the gateway endpoint), to the interface endpoints and to the database.
   * Required when a database has a connection. AWS-managed prefix list ids are per region, the same in
   * every account; no CloudFormation attribute yields it and a synth-time lookup would need credentials:
   * `aws ec2 describe-managed-prefix-lists --region <region> --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3 --query 'PrefixLists[0].PrefixListId'`
   */
  readonly s3PrefixListId?: string;
}

export type NetworkConfig = ExistingNetworkConfig | NewNetworkConfig;

export const NETWORK_DEFAULTS = { createVpc: true, cidr: '10.80.0.0/20', maxAzs: 2 } as const;

/** Like `pl-6da54004`. */
export const PREFIX_LIST_ID_PATTERN = /^pl-[0-9a-f]{8,17}$/;

/** How to find the region's S3 prefix list id, for messages. */
function prefixListHint(region: string): string {
  return `the id of com.amazonaws.${region}.s3: aws ec2 describe-managed-prefix-lists --region ${region} --filters Name=prefix-list-name,Values=com.amazonaws.${region}.s3 --query 'PrefixLists[0].PrefixListId'`;
}

export function isExistingNetwork(network: NetworkConfig): network is ExistingNetworkConfig {
  return (network as ExistingNetworkConfig).vpcId !== undefined;
}

/** Defaults applied; call only on a valid configuration (a new VPC then has its s3PrefixListId). */
export function resolveNetworkConfig(network: NetworkConfig | undefined): ExistingNetworkConfig | Required<NewNetworkConfig> {
  if (network && isExistingNetwork(network)) return network;
  const { s3PrefixListId, ...rest }: NewNetworkConfig = network ?? NETWORK_DEFAULTS;
  // No default prefix list: validation requires it whenever a task needs it (a stage without tasks has none).
  return {
    ...withDefaults<Omit<NewNetworkConfig, 's3PrefixListId'>>(NETWORK_DEFAULTS, rest),
    s3PrefixListId,
  } as Required<NewNetworkConfig>;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Records every problem of the `network` section; `path` is its field path, like `network`.
 * `tasks`: whether any database has a connection (then a new VPC needs its S3 prefix list); `region` names it in messages.
 */
export function validateNetworkConfig(
  network: NetworkConfig | undefined,
  path: string,
  problems: ConfigProblems,
  options: { readonly tasks: boolean; readonly region: string } = { tasks: false, region: '<region>' },
): void {
  if (network === undefined) {
    if (options.tasks) {
      problems.add(
        `${path}.s3PrefixListId`,
        undefined,
        `is required for the tasks' new VPC (their only HTTPS destinations are S3, the VPC endpoints and the database): ${prefixListHint(options.region)}`,
      );
    }
    return;
  }
  const existing = network as Partial<ExistingNetworkConfig>;
  const created = network as Partial<NewNetworkConfig>;
  if (existing.vpcId !== undefined && created.createVpc !== undefined) {
    problems.add(`${path}.createVpc`, created.createVpc, 'must not be given together with vpcId (use an existing VPC or create one)');
    return;
  }
  const prefixList = (network as { s3PrefixListId?: unknown }).s3PrefixListId;
  if (prefixList !== undefined && (typeof prefixList !== 'string' || !PREFIX_LIST_ID_PATTERN.test(prefixList))) {
    problems.add(`${path}.s3PrefixListId`, prefixList, `must be a prefix list id like pl-6da54004 (${prefixListHint(options.region)})`);
  }
  if (existing.vpcId !== undefined || existing.privateSubnetIds !== undefined) {
    checkText(existing.vpcId, ID_RULES.vpcId, `${path}.vpcId`, problems);
    checkSubnetIds(existing.privateSubnetIds, `${path}.privateSubnetIds`, problems);
    const group = existing.endpointSecurityGroupId;
    if (group !== undefined) checkText(group, ID_RULES.securityGroupId, `${path}.endpointSecurityGroupId`, problems);
    if ((group === undefined) !== (prefixList === undefined)) {
      const [given, missing] =
        group === undefined ? ['s3PrefixListId', 'endpointSecurityGroupId'] : ['endpointSecurityGroupId', 's3PrefixListId'];
      problems.add(
        `${path}.${missing}`,
        undefined,
        `is required with ${given}: together they close the tasks' egress to S3 and the VPC's interface endpoints (give both, or neither for HTTPS anywhere)`,
      );
    }
    return;
  }
  if (created.createVpc !== true) {
    problems.add(`${path}.createVpc`, created.createVpc, 'must be true, or give vpcId and privateSubnetIds of an existing VPC');
  }
  if (created.cidr !== undefined) {
    const match = CIDR_PATTERN.exec(created.cidr);
    const octetsOk = match?.slice(1, 5).every((o) => Number(o) <= 255) ?? false;
    const mask = match ? Number(match[5]) : -1;
    if (!octetsOk || mask < 16 || mask > 24) {
      problems.add(`${path}.cidr`, created.cidr, 'must be an IPv4 CIDR block from /16 to /24, like 10.80.0.0/20');
    }
  }
  if (created.maxAzs !== undefined) checkWholeNumber(created.maxAzs, { min: 1, max: 6 }, `${path}.maxAzs`, problems);
  if (prefixList === undefined && options.tasks) {
    problems.add(
      `${path}.s3PrefixListId`,
      undefined,
      `is required for the tasks' new VPC (their only HTTPS destinations are S3, the VPC endpoints and the database): ${prefixListHint(options.region)}`,
    );
  }
}
