import { Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type ExistingNetworkConfig, isExistingNetwork, type NewNetworkConfig } from '../config/network-config.js';
import { ecrImageLayersStatement, onlyThisAccountStatement } from './endpoint-policies.js';
import { InlinePeer } from './inline-peer.js';

/** One HTTPS destination of the tasks' AWS API calls, and why. */
export interface AwsApiDestination {
  readonly peer: ec2.IPeer;
  readonly description: string;
}

export interface JobsNetworkProps {
  /** An existing VPC and its private subnets, or a new VPC (lib/config/network-config.ts, defaults applied). */
  readonly network: ExistingNetworkConfig | Required<NewNetworkConfig>;
  /** Encrypts the flow-log group of a new VPC. */
  readonly logKey: kms.IKey;
  /** How long the flow logs of a new VPC are kept. */
  readonly logRetention: logs.RetentionDays;
}

/** HTTPS to anywhere: where the network names no endpoints, the tasks reach AWS through whatever the VPC routes (NAT). */
export const AWS_APIS_ANYWHERE: readonly AwsApiDestination[] = [
  { peer: ec2.Peer.anyIpv4(), description: 'AWS APIs through the VPC NAT or endpoints (no endpoint group named: open)' },
];

/**
 * The network the tasks run in. A new VPC has only private isolated subnets (no internet gateway, no
 * NAT gateway) and reaches AWS through VPC endpoints: S3 (gateway; also ECR's image layers), ECR api
 * and dkr (image pull), CloudWatch Logs (awslogs driver), Secrets Manager (the dump reads its
 * secret), KMS (SSE-KMS data keys are S3's call, but the SDK's own KMS use stays private too) and
 * RDS (DescribeDBInstances). Every endpoint's policy admits only this account's principals acting on
 * this account's resources (plus ECR's image layers on S3), and the tasks may send HTTPS only to the
 * region's S3 prefix list and the endpoints' security group. Flow logs go to an encrypted log group.
 */
export class JobsNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  /** The subnets tasks run in unless a database names its own. */
  readonly subnets: ec2.ISubnet[];
  /**
   * Where tasks in `subnets` may send HTTPS for the AWS APIs: the region's S3 prefix list and the
   * interface endpoints' security group; anywhere for an existing VPC that names neither.
   */
  readonly awsApis: readonly AwsApiDestination[];
  /** The new VPC's endpoints, by name (`S3`, `EcrApi`...); empty for an existing VPC. */
  readonly endpoints: ReadonlyMap<string, ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint>;

  constructor(scope: Construct, id: string, props: JobsNetworkProps) {
    super(scope, id);
    const network = props.network;
    const { account, region } = Stack.of(this);
    if (isExistingNetwork(network)) {
      // From attributes, not a lookup: synth stays offline and needs no credentials.
      this.vpc = this.importVpc('Vpc', network.vpcId);
      this.subnets = network.privateSubnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId));
      this.endpoints = new Map();
      this.awsApis =
        network.endpointSecurityGroupId && network.s3PrefixListId
          ? [
              { peer: InlinePeer.prefixList(network.s3PrefixListId), description: 'S3 (the region prefix list)' },
              { peer: InlinePeer.group(network.endpointSecurityGroupId, 'endpoints'), description: "the VPC's interface endpoints" },
            ]
          : AWS_APIS_ANYWHERE;
      return;
    }
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.logKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      description: "VPC flow logs of the pg-backup tasks' VPC into their log group",
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(network.cidr),
      maxAzs: network.maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });
    // Added here rather than through the VPC's gatewayEndpoints prop to keep a handle on its policy (same construct id).
    const s3 = vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    s3.addToPolicy(onlyThisAccountStatement(account));
    s3.addToPolicy(ecrImageLayersStatement(region));
    const created = new Map<string, ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint>([['S3', s3]]);
    const endpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
      Rds: ec2.InterfaceVpcEndpointAwsService.RDS,
    };
    // One security group for the endpoints: HTTPS from the VPC's own CIDR (the literal from the config), nothing out.
    const endpointGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'VPC interface endpoints of the pg-backup tasks: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    });
    endpointGroup.addIngressRule(ec2.Peer.ipv4(network.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    for (const [name, service] of Object.entries(endpoints)) {
      const endpoint = vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        open: false,
        securityGroups: [endpointGroup],
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      });
      endpoint.addToPolicy(onlyThisAccountStatement(account));
      created.set(name, endpoint);
    }
    this.endpoints = created;
    this.awsApis = [
      { peer: InlinePeer.prefixList(network.s3PrefixListId), description: 'S3 through the gateway endpoint (the region prefix list)' },
      { peer: InlinePeer.group(endpointGroup.securityGroupId, 'endpoints'), description: 'the VPC interface endpoints' },
    ];
    Validations.of(flowLogRole.node.findChild('DefaultPolicy')).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "the flow-log role's own statements (write this one log group) in a policy attached to that role only, created and deleted with it",
    });
    this.vpc = vpc;
    this.subnets = vpc.isolatedSubnets;
  }

  /** A VPC by id: offline, no lookup. */
  importVpc(id: string, vpcId: string): ec2.IVpc {
    return importVpc(this, id, vpcId);
  }
}

/** A database's own VPC (DatabaseConfig.placement), by id: offline, no lookup. */
export function importVpc(scope: Construct, id: string, vpcId: string): ec2.IVpc {
  // Tasks get explicit subnets (importSubnets), so the VPC's own subnet lists stay empty; its AZs are the region's.
  return ec2.Vpc.fromVpcAttributes(scope, id, { vpcId, availabilityZones: Fn.getAzs() });
}

/** A database's own subnets (DatabaseConfig.placement). */
export function importSubnets(scope: Construct, id: string, subnetIds: readonly string[]): ec2.ISubnet[] {
  return subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(scope, `${id}-${i}`, subnetId));
}

/** The verify tasks' group of a VPC: HTTPS to the AWS APIs only, nothing in (they restore into a PostgreSQL inside the task). */
export function verifySecurityGroup(scope: Construct, id: string, vpc: ec2.IVpc, awsApis: readonly AwsApiDestination[]): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, {
    vpc,
    description: 'pg-backup verify tasks: HTTPS to AWS APIs only; no inbound',
    allowAllOutbound: false,
  });
  for (const api of awsApis) group.addEgressRule(api.peer, ec2.Port.tcp(443), api.description);
  return group;
}
