import { DATABASE_ID_PATTERN, DATABASE_ID_RULE } from '../../src/contract/layout.js';
import type { ConfigProblems } from './problems.js';
import { checkText, type TextRule } from './toolkit.js';

/**
 * The identifiers a stage names, each with its pattern and the one wording of its rule, so every
 * section (and every path to the same kind of id) reports it alike.
 */
export const ID_RULES = {
  /** src/contract/layout.ts: the id is part of S3 keys, IAM ARNs, metric dimensions and CloudFormation ids. */
  databaseId: { pattern: DATABASE_ID_PATTERN, requirement: `must be ${DATABASE_ID_RULE}` },
  /**
   * It prefixes stack names and the bucket name `<appName>-backups-<account>-<region>`, which S3 caps at 63
   * characters.
   */
  appName: {
    pattern: /^(?!.*--)[a-z][a-z0-9-]{1,22}[a-z0-9]$/,
    requirement: 'must be 3 to 24 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen',
  },
  account: { pattern: /^\d{12}$/, requirement: 'must be a 12-digit AWS account id (in quotes)' },
  vpcId: { pattern: /^vpc-[0-9a-f]{8,17}$/, requirement: 'must be a VPC id like vpc-0123456789abcdef0' },
  subnetId: { pattern: /^subnet-[0-9a-f]{8,17}$/, requirement: 'must be a subnet id like subnet-0123456789abcdef0' },
  securityGroupId: { pattern: /^sg-[0-9a-f]{8,17}$/, requirement: 'must be a security group id like sg-0123456789abcdef0' },
  kmsKeyArn: {
    pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-f0-9-]{36}$/,
    requirement: 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>)',
  },
  secretArn: {
    pattern: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$/,
    requirement:
      'must be a full Secrets Manager secret ARN, with the 6-character suffix (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf)',
  },
  secretName: {
    pattern: /^[A-Za-z0-9/_+=.@!-]{1,512}$/,
    requirement: 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)',
  },
  rdsInstance: {
    pattern: /^[a-zA-Z](?:-?[a-zA-Z0-9]){0,62}$/,
    requirement: 'must be an RDS DB instance identifier (1 to 63 letters, digits and single hyphens, starting with a letter)',
  },
} as const satisfies Record<string, TextRule>;

/** Records every problem of a list of subnet ids (at least one; each well-formed). */
export function checkSubnetIds(subnetIds: unknown, field: string, problems: ConfigProblems): void {
  if (!Array.isArray(subnetIds) || subnetIds.length === 0) {
    problems.add(field, subnetIds, 'must list at least one subnet id');
    return;
  }
  subnetIds.forEach((id, i) => {
    checkText(id, ID_RULES.subnetId, `${field}[${i}]`, problems);
  });
}
