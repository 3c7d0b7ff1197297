import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * A security group or a prefix list as the peer of a rule written inside the task group's own resource
 * (SecurityGroupEgress), where CDK makes a separate AWS::EC2::SecurityGroupEgress for both: for a group
 * peer CDK does that to break cycles between groups that name each other, and ours never do (the
 * endpoints' group admits the VPC's CIDR, the database's group is outside the app); CloudFormation takes
 * both kinds inline. Two hundred dump groups save two resources each.
 */
export class InlinePeer implements ec2.IPeer {
  readonly canInlineRule = true;
  readonly connections: ec2.Connections;

  private constructor(
    /** Names the peer in the rule's id. */
    readonly uniqueId: string,
    private readonly ingress: Record<string, unknown>,
    private readonly egress: Record<string, unknown>,
  ) {
    this.connections = new ec2.Connections({ peer: this });
  }

  /** Another security group, by id. */
  static group(securityGroupId: string, name: string): InlinePeer {
    return new InlinePeer(name, { sourceSecurityGroupId: securityGroupId }, { destinationSecurityGroupId: securityGroupId });
  }

  /** A managed prefix list, by id. */
  static prefixList(prefixListId: string): InlinePeer {
    return new InlinePeer(prefixListId, { sourcePrefixListId: prefixListId }, { destinationPrefixListId: prefixListId });
  }

  toIngressRuleConfig(): Record<string, unknown> {
    return this.ingress;
  }

  toEgressRuleConfig(): Record<string, unknown> {
    return this.egress;
  }
}
