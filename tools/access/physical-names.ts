import type { CfnResource, StackTemplate } from './stack-templates.js';

/**
 * What `Ref` and `Fn::GetAtt` return for a resource once deployed. Names CloudFormation would generate
 * (a role without RoleName, a key id) become stable placeholders built from the stack name and logical id,
 * so every ARN in a policy and every ARN a request names agree, and the access matrix does not change
 * from one synth to the next. Explicit names (bucket names, log group names, families) are used as given.
 */
export function physicalValue(
  stack: StackTemplate,
  logicalId: string,
  resource: CfnResource,
  attribute: string | undefined,
  resolve: (value: unknown) => unknown,
): string {
  const { account, region } = stack;
  const props = resource.Properties ?? {};
  const given = (field: string): string | undefined => (props[field] === undefined ? undefined : String(resolve(props[field])));
  const generated = (maxLength: number, lowerCase = false) => {
    const name = `${stack.stackName}-${logicalId}`.slice(0, maxLength);
    return lowerCase ? name.toLowerCase() : name;
  };
  const unsupported = (): never => {
    throw new Error(
      `${stack.stackName}/${logicalId} (${resource.Type}): no physical value for ${attribute ? `Fn::GetAtt .${attribute}` : 'Ref'}`,
    );
  };

  switch (resource.Type) {
    case 'AWS::IAM::Role': {
      const name = given('RoleName') ?? generated(64);
      const path = given('Path') ?? '/';
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:iam::${account}:role${path}${name}`;
      if (attribute === 'RoleId') return `AROA${logicalId.toUpperCase().slice(0, 17)}`;
      return unsupported();
    }
    case 'AWS::IAM::ManagedPolicy':
      if (!attribute || attribute === 'PolicyArn') return `arn:aws:iam::${account}:policy/${given('ManagedPolicyName') ?? generated(128)}`;
      return unsupported();
    case 'AWS::IAM::Policy':
      return attribute ? unsupported() : generated(128);
    case 'AWS::KMS::Key': {
      const keyId = `${stack.stackName}-${logicalId}`;
      if (!attribute || attribute === 'KeyId') return keyId;
      if (attribute === 'Arn') return `arn:aws:kms:${region}:${account}:key/${keyId}`;
      return unsupported();
    }
    case 'AWS::KMS::Alias':
      return attribute ? unsupported() : (given('AliasName') ?? unsupported());
    case 'AWS::S3::Bucket': {
      const name = given('BucketName') ?? generated(63, true);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:s3:::${name}`;
      if (attribute === 'DomainName') return `${name}.s3.amazonaws.com`;
      if (attribute === 'RegionalDomainName') return `${name}.s3.${region}.amazonaws.com`;
      return unsupported();
    }
    case 'AWS::SNS::Topic': {
      const name = given('TopicName') ?? generated(256);
      const arn = `arn:aws:sns:${region}:${account}:${name}`;
      if (!attribute || attribute === 'TopicArn') return arn;
      if (attribute === 'TopicName') return name;
      return unsupported();
    }
    case 'AWS::SQS::Queue': {
      const name = given('QueueName') ?? generated(80);
      if (!attribute || attribute === 'QueueUrl') return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      if (attribute === 'Arn') return `arn:aws:sqs:${region}:${account}:${name}`;
      if (attribute === 'QueueName') return name;
      return unsupported();
    }
    case 'AWS::Logs::LogGroup': {
      const name = given('LogGroupName') ?? generated(512);
      if (!attribute) return name;
      // CloudFormation's Arn of a log group ends in ':*'.
      if (attribute === 'Arn') return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
      return unsupported();
    }
    case 'AWS::ECS::Cluster': {
      const name = given('ClusterName') ?? generated(255);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:ecs:${region}:${account}:cluster/${name}`;
      return unsupported();
    }
    case 'AWS::ECS::TaskDefinition':
      if (!attribute || attribute === 'TaskDefinitionArn')
        return `arn:aws:ecs:${region}:${account}:task-definition/${given('Family') ?? generated(255)}:1`;
      return unsupported();
    case 'AWS::Lambda::Function': {
      const name = given('FunctionName') ?? generated(64);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:lambda:${region}:${account}:function:${name}`;
      return unsupported();
    }
    case 'AWS::Events::Rule': {
      const name = given('Name') ?? generated(64);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:events:${region}:${account}:rule/${name}`;
      return unsupported();
    }
    case 'AWS::Scheduler::Schedule': {
      const name = given('Name') ?? generated(64);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:scheduler:${region}:${account}:schedule/${given('GroupName') ?? 'default'}/${name}`;
      return unsupported();
    }
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::DynamoDB::Table': {
      const name = given('TableName') ?? generated(255);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      return unsupported();
    }
    case 'AWS::CloudWatch::Alarm': {
      const name = given('AlarmName') ?? generated(255);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
      return unsupported();
    }
    case 'AWS::CloudTrail::Trail': {
      const name = given('TrailName') ?? generated(128);
      if (!attribute) return name;
      if (attribute === 'Arn') return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
      return unsupported();
    }
    case 'AWS::Chatbot::SlackChannelConfiguration':
      if (!attribute || attribute === 'Arn')
        return `arn:aws:chatbot::${account}:chat-configuration/slack-channel/${given('ConfigurationName') ?? generated(128)}`;
      return unsupported();
    default:
      // Network and other resources no policy names by ARN: an id is enough (vpc-..., sg-..., subnet-...).
      return attribute ? `${logicalId}.${attribute}` : logicalId;
  }
}
