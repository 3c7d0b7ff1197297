import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The bucket ECR keeps image layers in: a Fargate image pull downloads them through the S3 gateway endpoint
 * with a URL that ECR presigns with its own (AWS-owned) account, so no account condition can match it.
 * "Minimum Amazon S3 bucket permissions for Amazon ECR" in the Amazon ECR user guide (VPC endpoints).
 */
export function ecrLayerBucketObjects(region: string): string {
  return `arn:aws:s3:::prod-${region}-starport-layer-bucket/*`;
}

/**
 * Every request through the endpoint must be made by a principal of `account` on a resource of `account`
 * (the data-perimeter pattern of AWS's vpc_endpoint_policies examples, for one account): a task cannot
 * copy data to another account's bucket, secret, key or log group with its own or someone else's
 * credentials, and foreign credentials cannot use our endpoints at all.
 */
export function onlyThisAccountStatement(account: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OnlyThisAccountsPrincipalsAndResources',
    principals: [new iam.StarPrincipal()],
    actions: ['*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:PrincipalAccount': account, 'aws:ResourceAccount': account } },
  });
}

/** The S3 gateway endpoint's second statement: reading ECR's image layers, nothing else of AWS's. */
export function ecrImageLayersStatement(region: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadEcrImageLayers',
    principals: [new iam.StarPrincipal()],
    actions: ['s3:GetObject'],
    resources: [ecrLayerBucketObjects(region)],
  });
}
