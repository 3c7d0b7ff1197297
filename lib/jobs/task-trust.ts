import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * `ecs-tasks.amazonaws.com`, for tasks of this account and region only (the confused-deputy conditions of the
 * ECS developer guide's task IAM role page): ECS passes the task's ARN and account as `aws:SourceArn` and
 * `aws:SourceAccount` when it assumes a task or execution role.
 */
export function ecsTasksPrincipal(stack: Stack): iam.IPrincipal {
  return new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${stack.region}:${stack.account}:*` },
    },
  });
}

/** `ecs.amazonaws.com` (the ECS infrastructure role: managed EBS volumes), for this account and region only. */
export function ecsInfrastructurePrincipal(stack: Stack): iam.IPrincipal {
  return new iam.ServicePrincipal('ecs.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${stack.region}:${stack.account}:*` },
    },
  });
}
