import type { RecordedRequest } from './recording-proxy.js';

/** One authorization AWS performs for a recorded call: the action, the resource, the request context. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  /** The call it comes from, readable: "S3 PutObject s3://bucket/key". */
  readonly call: string;
}

/** What the recorded calls need from the stage to name the keys S3 and SNS use on the caller's behalf. */
export interface StageFacts {
  readonly account: string;
  /** The default SSE-KMS key of a bucket (what S3 uses when an upload names none). */
  bucketKey(bucket: string): string | undefined;
  /** The SSE-KMS key of a topic. */
  topicKey(topicArn: string): string | undefined;
}

/**
 * The IAM authorizations one recorded AWS call needs: S3's REST operations (multipart included) and the
 * KMS calls S3 makes with the caller's rights for SSE-KMS objects; SNS Publish and the topic key; and
 * the JSON and query protocol calls the CLI and the Lambda make (Secrets Manager, RDS, CloudWatch,
 * DynamoDB, SSM). A call this does not know is an error: the proof must not silently skip an edge.
 */
export function iamRequestsOf(call: RecordedRequest, stage: StageFacts): IamRequest[] {
  switch (call.service) {
    case 's3':
      return s3Requests(call, stage);
    case 'sns':
      return snsRequests(call, stage);
    case 'secretsmanager':
      return jsonTarget(call) === 'secretsmanager.GetSecretValue' ? secretRequests(call) : unknown(call);
    case 'rds':
      return formAction(call) === 'DescribeDBInstances'
        ? [
            {
              action: 'rds:DescribeDBInstances',
              resource: `arn:aws:rds:${call.region}:${stage.account}:db:${formParameters(call).get('DBInstanceIdentifier')}`,
              context: {},
              call: `RDS DescribeDBInstances ${formParameters(call).get('DBInstanceIdentifier')}`,
            },
          ]
        : unknown(call);
    case 'monitoring': {
      if (jsonTarget(call) !== 'GraniteServiceVersion20100801.PutMetricData') return unknown(call);
      const namespace = (JSON.parse(call.body ?? '{}') as { Namespace?: string }).Namespace ?? '';
      return [
        {
          action: 'cloudwatch:PutMetricData',
          resource: '*',
          context: { 'cloudwatch:namespace': namespace },
          call: `CloudWatch PutMetricData ${namespace}`,
        },
      ];
    }
    case 'dynamodb': {
      const operation = jsonTarget(call)?.replace('DynamoDB_20120810.', '');
      if (operation !== 'GetItem' && operation !== 'PutItem') return unknown(call);
      const table = (JSON.parse(call.body ?? '{}') as { TableName: string }).TableName;
      return [
        {
          action: `dynamodb:${operation}`,
          resource: `arn:aws:dynamodb:${call.region}:${stage.account}:table/${table}`,
          context: {},
          call: `DynamoDB ${operation} ${table}`,
        },
      ];
    }
    case 'ssm': {
      if (jsonTarget(call) !== 'AmazonSSM.GetParametersByPath') return unknown(call);
      const path = (JSON.parse(call.body ?? '{}') as { Path: string }).Path;
      return [
        {
          // The path is the resource (IAM's service authorization reference for GetParametersByPath).
          action: 'ssm:GetParametersByPath',
          resource: `arn:aws:ssm:${call.region}:${stage.account}:parameter${path}`,
          context: {},
          call: `SSM GetParametersByPath ${path}`,
        },
      ];
    }
    case 'sts':
      // GetCallerIdentity needs no permission: IAM never denies it.
      if (formAction(call) === 'GetCallerIdentity') return [];
      return unknown(call);
    default:
      return unknown(call);
  }
}

function unknown(call: RecordedRequest): never {
  throw new Error(
    `the access proof does not know the IAM actions of ${call.service} ${call.method} ${call.path} ${jsonTarget(call) ?? formAction(call) ?? JSON.stringify(call.query)}: ` +
      'add it to tools/access/iam-requests.ts',
  );
}

function jsonTarget(call: RecordedRequest): string | undefined {
  return call.headers['x-amz-target'];
}

function formParameters(call: RecordedRequest): URLSearchParams {
  return new URLSearchParams(call.body ?? '');
}

function formAction(call: RecordedRequest): string | undefined {
  return formParameters(call).get('Action') ?? undefined;
}

/** SSE-KMS: the key S3 asks KMS for with the caller's rights, through S3, for this bucket (Bucket Keys) or object. */
function s3KeyUse(
  call: RecordedRequest,
  account: string,
  action: string,
  key: string,
  bucket: string,
  objectKey: string,
  operation: string,
): IamRequest {
  const bucketKeys =
    (call.responseHeaders['x-amz-server-side-encryption-bucket-key-enabled'] ??
      call.headers['x-amz-server-side-encryption-bucket-key-enabled']) === 'true';
  return {
    action,
    resource: key,
    context: {
      'kms:ViaService': `s3.${call.region}.amazonaws.com`,
      'kms:EncryptionContext:aws:s3:arn': bucketKeys ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${objectKey}`,
      'kms:CallerAccount': account,
    },
    call: `${operation} (S3 asks KMS for ${action.replace('kms:', '')})`,
  };
}

function s3Requests(call: RecordedRequest, stage: StageFacts): IamRequest[] {
  const [, bucket = '', ...rest] = call.path.split('/');
  const objectKey = rest.join('/');
  const q = call.query;
  const objectArn = `arn:aws:s3:::${bucket}/${objectKey}`;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const where = `s3://${bucket}/${objectKey}`;
  const sse = (headers: Readonly<Record<string, string>>) => ({
    ...(headers['x-amz-server-side-encryption'] ? { 's3:x-amz-server-side-encryption': headers['x-amz-server-side-encryption'] } : {}),
    ...(headers['x-amz-server-side-encryption-aws-kms-key-id']
      ? { 's3:x-amz-server-side-encryption-aws-kms-key-id': headers['x-amz-server-side-encryption-aws-kms-key-id'] }
      : {}),
  });
  // Whether the call creates the object (PutObject, CompleteMultipartUpload) or only prepares it (parts): policies
  // that require conditional writes exempt the parts by it.
  const conditional = {
    ...(call.headers['if-none-match'] ? { 's3:if-none-match': call.headers['if-none-match'] } : {}),
    ...(call.headers['if-match'] ? { 's3:if-match': call.headers['if-match'] } : {}),
    's3:ObjectCreationOperation': 'true',
  };
  const preparing = { 's3:ObjectCreationOperation': 'false' };
  // Tags set at upload (x-amz-tagging on PutObject, CreateMultipartUpload): S3 authorizes them as s3:PutObjectTagging
  // too, and both actions see the tags requested. A new key has no tags yet (no s3:ExistingObjectTag).
  const requestedTags = [...new URLSearchParams(call.headers['x-amz-tagging'] ?? '')];
  const tagContext = requestedTags.length
    ? {
        ...Object.fromEntries(requestedTags.map(([key, value]) => [`s3:RequestObjectTag/${key}`, value])),
        's3:RequestObjectTagKeys': requestedTags.map(([key]) => key),
      }
    : {};
  const taggingAtUpload = (operation: string): IamRequest[] =>
    requestedTags.length
      ? [{ action: 's3:PutObjectTagging', resource: objectArn, context: tagContext, call: `${operation} (tags at upload)` }]
      : [];
  const writeKey = () =>
    call.headers['x-amz-server-side-encryption-aws-kms-key-id'] ??
    call.responseHeaders['x-amz-server-side-encryption-aws-kms-key-id'] ??
    stage.bucketKey(bucket);
  const readKey = () => call.responseHeaders['x-amz-server-side-encryption-aws-kms-key-id'];

  if (!objectKey) {
    if (call.method === 'GET' && q['list-type'] === '2') {
      return [
        {
          action: 's3:ListBucket',
          resource: bucketArn,
          context: {
            ...(q.prefix !== undefined ? { 's3:prefix': q.prefix } : {}),
            ...(q.delimiter !== undefined ? { 's3:delimiter': q.delimiter } : {}),
            ...(q['max-keys'] !== undefined ? { 's3:max-keys': q['max-keys'] } : {}),
          },
          call: `S3 ListObjectsV2 s3://${bucket}/${q.prefix ?? ''}`,
        },
      ];
    }
    if (call.method === 'GET' && 'versions' in q) {
      return [
        {
          action: 's3:ListBucketVersions',
          resource: bucketArn,
          context: q.prefix !== undefined ? { 's3:prefix': q.prefix } : {},
          call: `S3 ListObjectVersions s3://${bucket}/${q.prefix ?? ''}`,
        },
      ];
    }
    if (call.method === 'GET' && 'lifecycle' in q) {
      return [
        {
          action: 's3:GetLifecycleConfiguration',
          resource: bucketArn,
          context: {},
          call: `S3 GetBucketLifecycleConfiguration s3://${bucket}`,
        },
      ];
    }
    if (call.method === 'GET' && 'encryption' in q) {
      return [{ action: 's3:GetEncryptionConfiguration', resource: bucketArn, context: {}, call: `S3 GetBucketEncryption s3://${bucket}` }];
    }
    if (call.method === 'GET' && 'object-lock' in q) {
      return [
        {
          action: 's3:GetBucketObjectLockConfiguration',
          resource: bucketArn,
          context: {},
          call: `S3 GetObjectLockConfiguration s3://${bucket}`,
        },
      ];
    }
    if (call.method === 'GET' && 'uploads' in q) {
      return [
        { action: 's3:ListBucketMultipartUploads', resource: bucketArn, context: {}, call: `S3 ListMultipartUploads s3://${bucket}` },
      ];
    }
    return unknown(call);
  }

  if (call.method === 'POST' && 'uploads' in q) {
    const key = writeKey();
    return [
      {
        action: 's3:PutObject',
        resource: objectArn,
        context: { ...sse(call.headers), ...tagContext, ...preparing },
        call: `S3 CreateMultipartUpload ${where}`,
      },
      ...taggingAtUpload(`S3 CreateMultipartUpload ${where}`),
      ...(key ? [s3KeyUse(call, stage.account, 'kms:GenerateDataKey', key, bucket, objectKey, `S3 CreateMultipartUpload ${where}`)] : []),
    ];
  }
  if (call.method === 'PUT' && q.uploadId && q.partNumber) {
    return [{ action: 's3:PutObject', resource: objectArn, context: preparing, call: `S3 UploadPart ${where}` }];
  }
  if (call.method === 'POST' && q.uploadId) {
    // Completing reads the encrypted parts back: S3 decrypts them with the caller's rights.
    const key = readKey() ?? stage.bucketKey(bucket);
    return [
      { action: 's3:PutObject', resource: objectArn, context: conditional, call: `S3 CompleteMultipartUpload ${where}` },
      ...(key ? [s3KeyUse(call, stage.account, 'kms:Decrypt', key, bucket, objectKey, `S3 CompleteMultipartUpload ${where}`)] : []),
    ];
  }
  if (call.method === 'DELETE' && q.uploadId) {
    return [{ action: 's3:AbortMultipartUpload', resource: objectArn, context: {}, call: `S3 AbortMultipartUpload ${where}` }];
  }
  if (call.method === 'PUT' && 'tagging' in q) {
    return [
      {
        action: q.versionId ? 's3:PutObjectVersionTagging' : 's3:PutObjectTagging',
        resource: objectArn,
        context: {},
        call: `S3 PutObjectTagging ${where}`,
      },
    ];
  }
  if (call.method === 'GET' && 'tagging' in q) {
    return [
      {
        action: q.versionId ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging',
        resource: objectArn,
        context: {},
        call: `S3 GetObjectTagging ${where}`,
      },
    ];
  }
  if (call.method === 'POST' && 'restore' in q) {
    return [{ action: 's3:RestoreObject', resource: objectArn, context: {}, call: `S3 RestoreObject ${where}` }];
  }
  if (call.method === 'PUT' && !call.headers['x-amz-copy-source']) {
    const key = writeKey();
    return [
      {
        action: 's3:PutObject',
        resource: objectArn,
        context: { ...sse(call.headers), ...tagContext, ...conditional },
        call: `S3 PutObject ${where}`,
      },
      ...taggingAtUpload(`S3 PutObject ${where}`),
      ...(key ? [s3KeyUse(call, stage.account, 'kms:GenerateDataKey', key, bucket, objectKey, `S3 PutObject ${where}`)] : []),
    ];
  }
  if (call.method === 'GET' || call.method === 'HEAD') {
    const operation = call.method === 'GET' ? 'GetObject' : 'HeadObject';
    const action = q.versionId ? 's3:GetObjectVersion' : 's3:GetObject';
    const key = call.method === 'GET' && call.status < 300 ? readKey() : undefined;
    // S3 answers a missing key with 404 only to callers allowed s3:ListBucket on the bucket (no prefix in that
    // check); to anyone else it is a 403, which code expecting "not found" would misread.
    const missing =
      call.status === 404
        ? [{ action: 's3:ListBucket', resource: bucketArn, context: {}, call: `S3 ${operation} ${where} (not found: 404 or 403)` }]
        : [];
    return [
      { action, resource: objectArn, context: {}, call: `S3 ${operation}${q.versionId ? ' (a version)' : ''} ${where}` },
      ...(key ? [s3KeyUse(call, stage.account, 'kms:Decrypt', key, bucket, objectKey, `S3 ${operation} ${where}`)] : []),
      ...missing,
    ];
  }
  return unknown(call);
}

function snsRequests(call: RecordedRequest, stage: StageFacts): IamRequest[] {
  if (formAction(call) !== 'Publish') return unknown(call);
  const topicArn = formParameters(call).get('TopicArn') ?? '';
  const key = stage.topicKey(topicArn);
  const kms = (action: string): IamRequest => ({
    action,
    resource: key!,
    context: {
      'kms:ViaService': `sns.${call.region}.amazonaws.com`,
      'kms:EncryptionContext:aws:sns:topicArn': topicArn,
      'kms:CallerAccount': stage.account,
    },
    call: `SNS Publish ${topicArn} (SNS asks KMS for ${action.replace('kms:', '')})`,
  });
  return [
    { action: 'sns:Publish', resource: topicArn, context: {}, call: `SNS Publish ${topicArn}` },
    ...(key ? [kms('kms:GenerateDataKey'), kms('kms:Decrypt')] : []),
  ];
}

function secretRequests(call: RecordedRequest): IamRequest[] {
  const requested = (JSON.parse(call.body ?? '{}') as { SecretId: string }).SecretId;
  // IAM authorizes the secret's full ARN. Named by ARN, that is the request's; named by name, the one the answer
  // carries, whose random six-character suffix stands as ?????? does in policies.
  const answered = (JSON.parse(call.responseBody || '{}') as { ARN?: string }).ARN;
  const arn = requested.startsWith('arn:') ? requested : (answered ?? requested).replace(/-[A-Za-z0-9]{6}$/, '-XXXXXX');
  return [{ action: 'secretsmanager:GetSecretValue', resource: arn, context: {}, call: `Secrets Manager GetSecretValue ${requested}` }];
}
