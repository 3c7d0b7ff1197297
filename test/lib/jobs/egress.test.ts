import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { EXAMPLE, EXISTING_VPC_CONFIG, synthApp } from './jobs-app.js';

// Issue 12, "egress closed": a compromised task must not be able to send data anywhere but our own account's
// S3, the VPC endpoints (whose policies admit only our account) and its database.

type Egress = { to: string; port: number | undefined; description?: string };

/** Every egress rule of the security group `groupId` (a logical id): inline ones and AWS::EC2::SecurityGroupEgress resources. */
function egressOf(template: Template, groupId: string): Egress[] {
  const json = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const describe = (rule: Record<string, any>): Egress => ({
    to:
      rule.CidrIp ??
      rule.DestinationPrefixListId ??
      (typeof rule.DestinationSecurityGroupId === 'string'
        ? rule.DestinationSecurityGroupId
        : `sg:${rule.DestinationSecurityGroupId['Fn::GetAtt'][0]}`),
    port: rule.FromPort === rule.ToPort ? rule.FromPort : undefined,
  });
  const inline = (json[groupId]!.Properties.SecurityGroupEgress ?? []) as Record<string, any>[];
  const separate = Object.values(json)
    .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && r.Properties.GroupId?.['Fn::GetAtt']?.[0] === groupId)
    .map((r) => r.Properties);
  return [...inline.filter((r) => r.Description !== 'Disallow all traffic'), ...separate]
    .map(describe)
    .sort((a, b) => a.to.localeCompare(b.to));
}

function groupIds(template: Template, pattern: RegExp): string[] {
  return Object.keys(template.findResources('AWS::EC2::SecurityGroup')).filter((id) => pattern.test(id));
}

describe('the example stage: a new VPC', () => {
  let jobs: Template;
  let endpointGroup: string;
  beforeAll(() => {
    jobs = synthApp(EXAMPLE, { monitoring: false }).jobsTemplate!;
    endpointGroup = groupIds(jobs, /^NetworkEndpointSecurityGroup/)[0]!;
  });

  test('every endpoint admits only principals and resources of the stage account; S3 also ECR image layers, read only', () => {
    const endpoints = Object.values(jobs.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(7);
    const ownAccount = {
      Sid: 'OnlyThisAccountsPrincipalsAndResources',
      Effect: 'Allow',
      Principal: '*',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012', 'aws:ResourceAccount': '123456789012' } },
    };
    for (const endpoint of endpoints) {
      const statements = endpoint.Properties.PolicyDocument.Statement;
      if (endpoint.Properties.VpcEndpointType === 'Gateway') {
        expect(statements).toEqual([
          ownAccount,
          {
            Sid: 'ReadEcrImageLayers',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*',
          },
        ]);
      } else {
        expect(statements, endpoint.Properties.ServiceName).toEqual([ownAccount]);
      }
    }
  });

  test('the verify task may send HTTPS only to the S3 prefix list and the endpoint group; the dump also PostgreSQL to the database group', () => {
    const [dump] = groupIds(jobs, /DumpSecurityGroup/);
    const [verify] = groupIds(jobs, /VerifySecurityGroup/);
    const apis = [
      { to: 'pl-6da54004', port: 443 },
      { to: `sg:${endpointGroup}`, port: 443 },
    ];
    expect(egressOf(jobs, verify!)).toEqual(apis);
    expect(egressOf(jobs, dump!)).toEqual([...apis, { to: 'sg-0123456789abcdef0', port: 5432 }].sort((a, b) => a.to.localeCompare(b.to)));
  });

  test('no security group of the stack may send anything to 0.0.0.0/0; every group has an explicit egress (none keeps the EC2 default)', () => {
    const text = JSON.stringify(jobs.toJSON().Resources);
    expect(text).not.toContain('0.0.0.0/0');
    for (const [id, group] of Object.entries(jobs.findResources('AWS::EC2::SecurityGroup'))) {
      // An inline rule, or a rule resource (CloudFormation removes the default allow-all egress when it adds one).
      const hasRule = (group.Properties.SecurityGroupEgress ?? []).length > 0 || egressOf(jobs, id).length > 0;
      expect(hasRule, id).toBe(true);
    }
  });

  test('the endpoint group takes HTTPS from the VPC only and sends nothing', () => {
    const group = jobs.toJSON().Resources[endpointGroup].Properties;
    expect(group.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: '10.80.0.0/20', FromPort: 443, ToPort: 443 })]);
    expect(egressOf(jobs, endpointGroup)).toEqual([]);
  });
});

describe('an existing VPC', () => {
  test('without an endpoint group: HTTPS anywhere (the VPC routes it), the database port only to private addresses', () => {
    const jobs = synthApp(EXISTING_VPC_CONFIG, { monitoring: false }).jobsTemplate!;
    const [dump] = groupIds(jobs, /DumpSecurityGroup/);
    const [verify] = groupIds(jobs, /VerifySecurityGroup/);
    expect(egressOf(jobs, verify!)).toEqual([{ to: '0.0.0.0/0', port: 443 }]);
    expect(egressOf(jobs, dump!)).toEqual([
      { to: '0.0.0.0/0', port: 443 },
      { to: '10.0.0.0/8', port: 6432 },
      { to: '172.16.0.0/12', port: 6432 },
      { to: '192.168.0.0/16', port: 6432 },
    ]);
  });

  test('with its endpoint group and the S3 prefix list: egress closed as in a new VPC', () => {
    const config: AppConfig = {
      ...EXISTING_VPC_CONFIG,
      network: { ...EXISTING_VPC_CONFIG.network!, endpointSecurityGroupId: 'sg-0eeeeeeeeeeeeeee1', s3PrefixListId: 'pl-6da54004' } as never,
    };
    const jobs = synthApp(config, { monitoring: false }).jobsTemplate!;
    const [verify] = groupIds(jobs, /VerifySecurityGroup/);
    expect(egressOf(jobs, verify!)).toEqual([
      { to: 'pl-6da54004', port: 443 },
      { to: 'sg-0eeeeeeeeeeeeeee1', port: 443 },
    ]);
    expect(JSON.stringify(jobs.toJSON().Resources)).not.toContain('0.0.0.0/0');
  });
});

test("a database placed in its own VPC: HTTPS anywhere in that VPC (it names no endpoint group), the app network's stay closed", () => {
  const config: AppConfig = {
    ...EXAMPLE,
    databases: [
      ...EXAMPLE.databases,
      {
        id: 'placed-db',
        connection: { host: 'placed.internal', database: 'placed' },
        secretName: 'placed-backup',
        placement: { vpcId: 'vpc-0bbbbbbbbbbbbbbb1', subnetIds: ['subnet-0bbbbbbbbbbbbbbb1'] },
      },
    ],
  };
  const jobs = synthApp(config, { monitoring: false }).jobsTemplate!;
  // One verify group per VPC: the placed database's VPC gets its own.
  expect(egressOf(jobs, groupIds(jobs, /^DatabasesVerifySecurityGroupvpc0bbbbbbbbbbbbbbb1/)[0]!)).toEqual([{ to: '0.0.0.0/0', port: 443 }]);
  expect(egressOf(jobs, groupIds(jobs, /^VerifySecurityGroup/)[0]!).map((e) => e.to)).not.toContain('0.0.0.0/0');
  expect(egressOf(jobs, groupIds(jobs, /placeddbDumpSecurityGroup/)[0]!).map((e) => e.to)).toContain('0.0.0.0/0');
  expect(egressOf(jobs, groupIds(jobs, /ordersdbDumpSecurityGroup/)[0]!).map((e) => e.to)).not.toContain('0.0.0.0/0');
});
