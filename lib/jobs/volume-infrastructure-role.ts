import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ecsInfrastructurePrincipal } from './task-trust.js';

export interface VolumeInfrastructureRoleProps {
  readonly appName: string;
  /** The key the volumes are encrypted with (the backup key: a volume holds a decrypted dump and its restore). */
  readonly volumeKey: kms.IKey;
}

/**
 * The ECS infrastructure role for the EBS volumes of large verifies: ECS creates the volume when the task
 * starts, attaches it to the Fargate host, and deletes it when the task stops. Its policy is AWS's managed
 * AmazonECSInfrastructureRolePolicyForVolumes (version 5, February 2026) narrowed to this account and region
 * and without creating volumes from snapshots (ours start empty); every volume action requires the tags ECS
 * puts on the volumes it manages. Plus the volume key, through EC2 only, and grants only for AWS resources.
 */
export class VolumeInfrastructureRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: VolumeInfrastructureRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { account, region } = stack;
    const volumes = `arn:aws:ec2:${region}:${account}:volume/*`;
    const ecsTasks = `arn:aws:ecs:${region}:${account}:task/*`;
    const viaEc2 = { 'kms:ViaService': `ec2.${region}.amazonaws.com`, 'kms:CallerAccount': account };
    const document = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'CreateEcsManagedVolumes',
          actions: ['ec2:CreateVolume'],
          resources: [volumes],
          conditions: {
            ArnLike: { 'aws:RequestTag/AmazonECSCreated': ecsTasks },
            StringEquals: { 'aws:RequestTag/AmazonECSManaged': 'true' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'TagOnCreateVolume',
          actions: ['ec2:CreateTags'],
          resources: [volumes],
          conditions: {
            ArnLike: { 'aws:RequestTag/AmazonECSCreated': ecsTasks },
            StringEquals: { 'ec2:CreateAction': 'CreateVolume', 'aws:RequestTag/AmazonECSManaged': 'true' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'DescribeForLifecycle',
          actions: ['ec2:DescribeVolumes', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'AttachEcsManagedVolumes',
          actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
          resources: [volumes],
          conditions: { StringEquals: { 'aws:ResourceTag/AmazonECSManaged': 'true' } },
        }),
        // The Fargate host belongs to an AWS account, not ours: any account, this region.
        new iam.PolicyStatement({
          sid: 'AttachToFargateHosts',
          actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
          resources: [`arn:aws:ec2:${region}:*:instance/*`],
        }),
        new iam.PolicyStatement({
          sid: 'DeleteEcsManagedVolumes',
          actions: ['ec2:DeleteVolume'],
          resources: [volumes],
          conditions: {
            ArnLike: { 'aws:ResourceTag/AmazonECSCreated': ecsTasks },
            StringEquals: { 'aws:ResourceTag/AmazonECSManaged': 'true' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'EncryptVolumesWithTheBackupKey',
          actions: ['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:DescribeKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
          resources: [props.volumeKey.keyArn],
          conditions: { StringEquals: viaEc2 },
        }),
        new iam.PolicyStatement({
          sid: 'GrantTheKeyToEbsOnly',
          actions: ['kms:CreateGrant'],
          resources: [props.volumeKey.keyArn],
          conditions: { StringEquals: viaEc2, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      description: `${props.appName}: ECS creating, attaching and deleting the encrypted EBS volumes of large verifies`,
      assumedBy: ecsInfrastructurePrincipal(stack),
      inlinePolicies: { volumes: document },
    });
    const ack = (finding: string, reason: string) => Validations.of(this.role).acknowledge({ id: finding, reason });
    ack(
      `AwsSolutions-IAM5[Resource::arn:aws:ec2:${region}:${account}:volume/*]`,
      'volume ids are new for every task; every volume action requires the AmazonECSManaged tag (and create and delete the AmazonECSCreated tag of an ECS task of this account), as in the AWS managed policy for this role',
    );
    ack(
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeVolumes, DescribeAvailabilityZones and DescribeInstances support no resource ARN (read-only; as in the AWS managed policy for this role)',
    );
    ack(
      `AwsSolutions-IAM5[Resource::arn:aws:ec2:${region}:*:instance/*]`,
      'the Fargate host a volume is attached to is an instance of an AWS-owned account: its account and id cannot be known (as in the AWS managed policy for this role)',
    );
    ack(
      'NIST.800.53.R5-IAMNoInlinePolicy',
      "the infrastructure role's own statements, inside the role: AWS's managed policy narrowed to this account and region, and the volume key",
    );
  }
}
