import { checkSubnetIds, ID_RULES } from './id-rules.js';
import type { ConfigProblems } from './problems.js';
import { checkText, checkWholeNumber, withDefaults } from './toolkit.js';

/** An existing VPC: its private subnets need a route to the AWS APIs (NAT or VPC endpoints). */
export interface ExistingNetworkConfig {
  /** Like `vpc-0123456789abcdef0`. */
  readonly vpcId: string;
  /** Private subnets the tasks run in (no public IP). */
  readonly privateSubnetIds: readonly string[];
}

/** A new VPC for the tasks: private isolated subnets, VPC endpoints for every AWS API they call, no NAT gateway. */
export interface NewNetworkConfig {
  readonly createVpc: true;
  /** @default 10.80.0.0/20 */
  readonly cidr?: string;
  /** @default 2 */
  readonly maxAzs?: number;
}

export type NetworkConfig = ExistingNetworkConfig | NewNetworkConfig;

export const NETWORK_DEFAULTS = { createVpc: true, cidr: '10.80.0.0/20', maxAzs: 2 } as const;

export function isExistingNetwork(network: NetworkConfig): network is ExistingNetworkConfig {
  return (network as ExistingNetworkConfig).vpcId !== undefined;
}

/** Defaults applied; call only on a valid configuration. */
export function resolveNetworkConfig(network: NetworkConfig | undefined): ExistingNetworkConfig | Required<NewNetworkConfig> {
  if (network && isExistingNetwork(network)) return network;
  return withDefaults<NewNetworkConfig>(NETWORK_DEFAULTS, network);
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Records every problem of the `network` section; `path` is its field path, like `network`. */
export function validateNetworkConfig(network: NetworkConfig | undefined, path: string, problems: ConfigProblems): void {
  if (network === undefined) return;
  const existing = network as Partial<ExistingNetworkConfig>;
  const created = network as Partial<NewNetworkConfig>;
  if (existing.vpcId !== undefined && created.createVpc !== undefined) {
    problems.add(`${path}.createVpc`, created.createVpc, 'must not be given together with vpcId (use an existing VPC or create one)');
    return;
  }
  if (existing.vpcId !== undefined || existing.privateSubnetIds !== undefined) {
    checkText(existing.vpcId, ID_RULES.vpcId, `${path}.vpcId`, problems);
    checkSubnetIds(existing.privateSubnetIds, `${path}.privateSubnetIds`, problems);
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
}
