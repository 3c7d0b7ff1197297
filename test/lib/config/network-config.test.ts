import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';

const HINT =
  "the id of com.amazonaws.eu-west-1.s3: aws ec2 describe-managed-prefix-lists --region eu-west-1 --filters Name=prefix-list-name,Values=com.amazonaws.eu-west-1.s3 --query 'PrefixLists[0].PrefixListId'";
const EXISTING = { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: ['subnet-0123456789abcdef0'] };

describe("the network's egress settings", () => {
  test.each<[string, AppConfig, string[]]>([
    [
      'a new VPC (the default) without the S3 prefix list, when tasks run',
      { ...example, network: undefined },
      [
        `\`network.s3PrefixListId\` (missing) is required for the tasks' new VPC (their only HTTPS destinations are S3, the VPC endpoints and the database): ${HINT}`,
      ],
    ],
    [
      'a new VPC without the S3 prefix list',
      { ...example, network: { createVpc: true } },
      [
        `\`network.s3PrefixListId\` (missing) is required for the tasks' new VPC (their only HTTPS destinations are S3, the VPC endpoints and the database): ${HINT}`,
      ],
    ],
    [
      'a malformed prefix list id',
      { ...example, network: { createVpc: true, s3PrefixListId: 'com.amazonaws.eu-west-1.s3' } },
      [`\`network.s3PrefixListId\` ('com.amazonaws.eu-west-1.s3') must be a prefix list id like pl-6da54004 (${HINT})`],
    ],
    [
      'an existing VPC with the endpoint group but not the prefix list',
      { ...example, network: { ...EXISTING, endpointSecurityGroupId: 'sg-0123456789abcdef0' } },
      [
        "`network.s3PrefixListId` (missing) is required with endpointSecurityGroupId: together they close the tasks' egress to S3 and the VPC's interface endpoints (give both, or neither for HTTPS anywhere)",
      ],
    ],
    [
      'an existing VPC with a malformed endpoint group and no prefix list',
      { ...example, network: { ...EXISTING, endpointSecurityGroupId: 'endpoints' } },
      [
        "`network.endpointSecurityGroupId` ('endpoints') must be a security group id like sg-0123456789abcdef0",
        "`network.s3PrefixListId` (missing) is required with endpointSecurityGroupId: together they close the tasks' egress to S3 and the VPC's interface endpoints (give both, or neither for HTTPS anywhere)",
      ],
    ],
  ])('rejects %s, naming the field and the command that finds the id', (_name, config, expected) => {
    expect(appConfigProblems(config)).toEqual(expected);
  });

  test.each<[string, AppConfig]>([
    ['the example (a new VPC with its prefix list)', example],
    ['an existing VPC without endpoint group or prefix list (HTTPS anywhere, documented)', { ...example, network: EXISTING }],
    [
      'an existing VPC with both',
      { ...example, network: { ...EXISTING, endpointSecurityGroupId: 'sg-0123456789abcdef0', s3PrefixListId: 'pl-6da54004' } },
    ],
    [
      'a new VPC without prefix list when no database has tasks',
      { ...example, network: { createVpc: true }, databases: [{ id: 'legacy-db' }] },
    ],
  ])('accepts %s', (_name, config) => {
    expect(appConfigProblems(config)).toEqual([]);
  });
});
