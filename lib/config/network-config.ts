import type { ConfigProblems } from './problems.js';

// Owned by the ECS work (issue 4). Placeholder until then.
export interface NetworkConfig {
  readonly vpcId?: string;
}

export function validateNetworkConfig(_network: NetworkConfig | undefined, _path: string, _problems: ConfigProblems): void {}
