// Owned by the ECS work (issue 4). Placeholder until then.
export interface NetworkConfig {
  readonly vpcId?: string;
}
