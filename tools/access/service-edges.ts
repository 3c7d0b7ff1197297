import { type AccessEdge, constructLabel, keyArnOf, rolePrincipal } from './access-edge.js';
import type { AuthorizationModel, StageResource } from './authorization-model.js';
import { ECR_LAYER_ACCOUNT, ecrLayerPresigner } from './endpoint-probes.js';

/**
 * Every request an AWS service makes for the deployed app, derived from the templates (never a hand-kept
 * list of ARNs): which alarm publishes to which topic, which schedule starts which task with which role,
 * and so on. Each must be allowed, or the app silently stops doing its job on AWS.
 */
export function serviceEdges(model: AuthorizationModel): AccessEdge[] {
  return [
    ...alarmsToTopics(model),
    ...rulesToTargets(model),
    ...schedulesToTasks(model),
    ...taskRoles(model),
    ...replication(model),
    ...accessLogDelivery(model),
    ...logGroupEncryption(model),
    ...auditTrails(model),
    ...serviceRoles(model),
  ];
}

/** CloudTrail delivers the audit trail's log files into its locked bucket, encrypted with the operations key. */
function auditTrails(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const trail of model.ofType('AWS::CloudTrail::Trail')) {
    const { account, region } = trail.stack;
    const bucket = model.ofType('AWS::S3::Bucket').find((b) => b.ref === trail.properties.S3BucketName)!;
    const base = {
      group: 'CloudTrail -> audit trail bucket and key',
      principal: { service: 'cloudtrail.amazonaws.com' },
      principalLabel: 'cloudtrail.amazonaws.com',
      expect: allow,
    };
    const source = { 'aws:SourceArn': trail.arn!, 'aws:SourceAccount': account };
    edges.push({ ...base, action: 's3:GetBucketAcl', resource: bucket.arn!, context: source, why: 'checks it may deliver' });
    edges.push({
      ...base,
      action: 's3:PutObject',
      resource: `${bucket.arn}/AWSLogs/${account}/CloudTrail/${region}/2026/11/25/${account}_CloudTrail_${region}_20261125T0200Z_abc.json.gz`,
      context: { ...source, 's3:x-amz-acl': 'bucket-owner-full-control', 's3:ObjectCreationOperation': 'true' },
      why: 'delivers a log file',
    });
    if (trail.properties.KMSKeyId) {
      edges.push({
        ...base,
        action: 'kms:GenerateDataKey',
        resource: keyArnOf(model, trail.stack, trail.properties.KMSKeyId as string),
        context: { ...source, 'kms:EncryptionContext:aws:cloudtrail:arn': trail.arn! },
        why: 'encrypts the log files with the operations key',
      });
    }
  }
  return edges;
}

const allow = 'allow' as const;

/** A topic's key (SSE-KMS): what SNS asks KMS for on the publisher's behalf. */
function topicKmsEdges(
  model: AuthorizationModel,
  topic: StageResource,
  base: Omit<AccessEdge, 'action' | 'resource' | 'context' | 'why'>,
  sourceContext: Record<string, string>,
): AccessEdge[] {
  const keyReference = topic.properties.KmsMasterKeyId as string | undefined;
  if (!keyReference) return [];
  const key = keyArnOf(model, topic.stack, keyReference);
  return ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
    ...base,
    action,
    resource: key,
    context: {
      ...sourceContext,
      'kms:ViaService': `sns.${topic.stack.region}.amazonaws.com`,
      'kms:EncryptionContext:aws:sns:topicArn': topic.arn!,
      'kms:CallerAccount': topic.stack.account,
    },
    why: "SNS encrypts the message with the topic key on the publisher's behalf",
  }));
}

function alarmsToTopics(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const alarm of model.ofType('AWS::CloudWatch::Alarm')) {
    const actions = new Set<string>([
      ...(alarm.properties.AlarmActions ?? []),
      ...(alarm.properties.OKActions ?? []),
      ...(alarm.properties.InsufficientDataActions ?? []),
    ]);
    for (const target of actions) {
      const topic = model.ofType('AWS::SNS::Topic').find((t) => t.arn === target);
      if (!topic) throw new Error(`alarm ${constructLabel(alarm)} notifies ${target}, which is not a topic of the stage`);
      const context = { 'aws:SourceArn': alarm.arn!, 'aws:SourceAccount': alarm.stack.account };
      const base = {
        group: 'CloudWatch alarms -> alert topic',
        principal: { service: 'cloudwatch.amazonaws.com' },
        principalLabel: `cloudwatch.amazonaws.com (alarm ${alarm.ref})`,
        expect: allow,
      };
      edges.push({
        ...base,
        action: 'sns:Publish',
        resource: topic.arn!,
        context,
        why: 'the alarm notifies on-call when it fires and when it recovers',
      });
      edges.push(...topicKmsEdges(model, topic, base, context));
    }
  }
  return edges;
}

function rulesToTargets(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const rule of model.ofType('AWS::Events::Rule')) {
    for (const target of (rule.properties.Targets ?? []) as { Arn: string; RoleArn?: string }[]) {
      const topic = model.ofType('AWS::SNS::Topic').find((t) => t.arn === target.Arn);
      const fn = model.ofType('AWS::Lambda::Function').find((f) => f.arn === target.Arn);
      const source = { 'aws:SourceArn': rule.arn!, 'aws:SourceAccount': rule.stack.account };
      const group = topic ? 'EventBridge rules -> alert topic' : 'EventBridge rules -> freshness function';
      if (target.RoleArn) {
        edges.push({
          group,
          principal: { service: 'events.amazonaws.com' },
          principalLabel: `events.amazonaws.com (rule ${constructLabel(rule)})`,
          action: 'sts:AssumeRole',
          resource: target.RoleArn,
          context: source,
          expect: allow,
          why: 'EventBridge delivers to the target with this role',
        });
      }
      const publisher = target.RoleArn
        ? rolePrincipal(model, target.RoleArn)
        : { principal: { service: 'events.amazonaws.com' }, principalLabel: `events.amazonaws.com (rule ${constructLabel(rule)})` };
      const context = target.RoleArn ? {} : source;
      if (topic) {
        const base = { group, ...publisher, expect: allow };
        edges.push({
          ...base,
          action: 'sns:Publish',
          resource: topic.arn!,
          context,
          why: 'a failed dump or verify task is announced to on-call',
        });
        edges.push(...topicKmsEdges(model, topic, base, context));
      } else if (fn) {
        edges.push({
          group,
          ...publisher,
          action: 'lambda:InvokeFunction',
          resource: fn.arn!,
          context,
          expect: allow,
          why: 'the schedule runs the freshness check',
        });
      } else {
        throw new Error(`rule ${constructLabel(rule)} targets ${target.Arn}, which the proof does not know`);
      }
    }
  }
  return edges;
}

/**
 * Each schedule assumes its role and calls ECS RunTask with its request: the shared task definition in the jobs
 * cluster, tags on the task, and iam:PassRole of every role the request carries (the database's task role
 * override and the definition's execution role to ECS tasks; the infrastructure role of a volume to ECS).
 */
function schedulesToTasks(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const run of model.runs) {
    const { schedule, request } = run;
    const target = schedule.properties.Target as { RoleArn: string; DeadLetterConfig?: { Arn: string } };
    const group = 'EventBridge Scheduler -> dump and verify tasks';
    const role = rolePrincipal(model, target.RoleArn);
    const { account, region } = schedule.stack;
    edges.push({
      group,
      principal: { service: 'scheduler.amazonaws.com' },
      principalLabel: `scheduler.amazonaws.com (schedule ${run.name})`,
      action: 'sts:AssumeRole',
      resource: target.RoleArn,
      context: { 'aws:SourceAccount': account, 'aws:SourceArn': schedule.arn! },
      expect: allow,
      why: 'the schedule starts its task with this role',
    });
    const clusterArn = `arn:aws:ecs:${region}:${account}:cluster/${request.Cluster}`;
    edges.push({
      group,
      ...role,
      action: 'ecs:RunTask',
      resource: run.taskDefinition.ref,
      context: { 'ecs:cluster': clusterArn },
      expect: allow,
      why: `${run.name} starts ${run.family}`,
    });
    edges.push({
      group,
      ...role,
      action: 'ecs:TagResource',
      resource: `arn:aws:ecs:${region}:${account}:task/${request.Cluster}/0123456789abcdef0123456789abcdef`,
      context: { 'ecs:CreateAction': 'RunTask' },
      expect: allow,
      why: `${run.name} tags the task it starts with its database and job`,
    });
    for (const [passed, what] of [
      [run.taskRoleArn, `${run.databaseId}'s ${run.job} task role (the override)`],
      [run.executionRoleArn, `${run.family}'s execution role`],
    ] as const) {
      edges.push({
        group,
        ...role,
        action: 'iam:PassRole',
        resource: passed,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        expect: allow,
        why: `${run.name} hands ECS ${what}`,
      });
    }
    for (const volume of request.VolumeConfigurations ?? []) {
      edges.push({
        group,
        ...role,
        action: 'iam:PassRole',
        resource: volume.ManagedEBSVolume.RoleArn,
        context: { 'iam:PassedToService': 'ecs.amazonaws.com' },
        expect: allow,
        why: `${run.name} hands ECS the infrastructure role of its ${volume.ManagedEBSVolume.SizeInGiB} GiB work volume`,
      });
    }
    const deadLetters = target.DeadLetterConfig?.Arn;
    if (deadLetters) {
      const queue = model.ofType('AWS::SQS::Queue').find((q) => q.arn === deadLetters)!;
      edges.push({
        group,
        ...role,
        action: 'sqs:SendMessage',
        resource: deadLetters,
        expect: allow,
        why: 'a run that could not start is kept in the dead-letter queue',
      });
      const keyReference = queue.properties.KmsMasterKeyId as string | undefined;
      if (keyReference) {
        const key = keyArnOf(model, queue.stack, keyReference);
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          edges.push({
            group,
            ...role,
            action,
            resource: key,
            context: {
              'kms:ViaService': `sqs.${queue.stack.region}.amazonaws.com`,
              'kms:EncryptionContext:aws:sqs:arn': deadLetters,
              'kms:CallerAccount': queue.stack.account,
            },
            expect: allow,
            why: "SQS encrypts the dead letter with the queue key on the sender's behalf",
          });
        }
      }
    }
  }
  return edges;
}

/**
 * ECS assumes each run's task role (the override) and its definition's execution role; the execution role
 * pulls the image and writes the logs, from the run's VPC. A run with a work volume: ECS assumes the
 * infrastructure role, which creates, tags, attaches and deletes the volume and has EBS use the backup key.
 */
function taskRoles(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  const group = 'ECS -> task and execution roles, image, logs, volumes';
  const seen = new Set<string>();
  const once = (edge: AccessEdge) => {
    const key = JSON.stringify([edge.principalLabel, edge.action, edge.resource, edge.sentFrom]);
    if (!seen.has(key)) edges.push(edge);
    seen.add(key);
  };
  for (const run of model.runs) {
    const { account, region } = run.schedule.stack;
    const taskArn = `arn:aws:ecs:${region}:${account}:task/${run.request.Cluster}/0123456789abcdef0123456789abcdef`;
    for (const [roleArn, what] of [
      [run.taskRoleArn, 'task role'],
      [run.executionRoleArn, 'execution role'],
    ] as const) {
      edges.push({
        group,
        principal: { service: 'ecs-tasks.amazonaws.com' },
        principalLabel: `ecs-tasks.amazonaws.com (${run.name})`,
        action: 'sts:AssumeRole',
        resource: roleArn,
        context: { 'aws:SourceAccount': account, 'aws:SourceArn': taskArn },
        expect: allow,
        why: `a ${run.name} task runs with this ${what}`,
      });
    }
    const role = rolePrincipal(model, run.executionRoleArn);
    for (const container of run.taskDefinition.properties.ContainerDefinitions as {
      Image: string;
      LogConfiguration?: { Options: Record<string, string> };
    }[]) {
      const image = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(container.Image);
      if (image) {
        const repository = `arn:aws:ecr:${image[2]}:${image[1]}:repository/${image[3]}`;
        once({ group, ...role, action: 'ecr:GetAuthorizationToken', resource: '*', expect: allow, why: 'the image pull logs in to ECR' });
        for (const action of ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage']) {
          once({ group, ...role, action, resource: repository, expect: allow, why: `pulls ${run.family}'s image` });
        }
        // The layers themselves come from ECR's bucket, through the task VPC's S3 endpoint, by a URL ECR presigns.
        once({
          group,
          ...ecrLayerPresigner(),
          action: 's3:GetObject',
          resource: `arn:aws:s3:::prod-${image[2]}-starport-layer-bucket/sha256-0123456789abcdef`,
          resourceAccount: ECR_LAYER_ACCOUNT,
          sentFrom: { schedule: run.name },
          expect: allow,
          why: `downloads ${run.family}'s image layers`,
        });
      }
      const logGroup = container.LogConfiguration?.Options['awslogs-group'];
      if (logGroup) {
        const prefix = container.LogConfiguration!.Options['awslogs-stream-prefix'];
        const stream = `arn:aws:logs:${region}:${account}:log-group:${logGroup}:log-stream:${prefix}/pg-backup/0123456789abcdef`;
        for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
          once({ group, ...role, action, resource: stream, expect: allow, why: `${run.family}'s output reaches the jobs' log group` });
        }
      }
    }
    for (const volume of run.request.VolumeConfigurations ?? []) edges.push(...volumeEdges(model, run.name, volume.ManagedEBSVolume, once));
  }
  return edges;
}

/** What ECS does with the infrastructure role for one run's work volume. */
function volumeEdges(
  model: AuthorizationModel,
  schedule: string,
  volume: { readonly RoleArn: string; readonly KmsKeyId: string },
  once: (edge: AccessEdge) => void,
): AccessEdge[] {
  const group = 'ECS -> infrastructure role: encrypted work volumes';
  const roleResource = model.role(volume.RoleArn).resource;
  const { account, region } = roleResource.stack;
  const taskArn = `arn:aws:ecs:${region}:${account}:task/jobs/0123456789abcdef0123456789abcdef`;
  const edges: AccessEdge[] = [];
  edges.push({
    group,
    principal: { service: 'ecs.amazonaws.com' },
    principalLabel: `ecs.amazonaws.com (${schedule})`,
    action: 'sts:AssumeRole',
    resource: volume.RoleArn,
    context: { 'aws:SourceAccount': account, 'aws:SourceArn': taskArn },
    expect: allow,
    why: `ECS manages ${schedule}'s work volume with this role`,
  });
  const role = rolePrincipal(model, volume.RoleArn);
  const volumeArn = `arn:aws:ec2:${region}:${account}:volume/vol-0123456789abcdef0`;
  const ecsTags = { 'aws:RequestTag/AmazonECSCreated': taskArn, 'aws:RequestTag/AmazonECSManaged': 'true' };
  const managed = { 'aws:ResourceTag/AmazonECSCreated': taskArn, 'aws:ResourceTag/AmazonECSManaged': 'true' };
  once({
    group,
    ...role,
    action: 'ec2:CreateVolume',
    resource: volumeArn,
    context: ecsTags,
    expect: allow,
    why: 'creates the empty volume when the task starts',
  });
  once({
    group,
    ...role,
    action: 'ec2:CreateTags',
    resource: volumeArn,
    context: { ...ecsTags, 'ec2:CreateAction': 'CreateVolume' },
    expect: allow,
    why: 'tags it as ECS-managed, on creation',
  });
  once({ group, ...role, action: 'ec2:DescribeVolumes', resource: '*', expect: allow, why: 'follows the volume to available' });
  for (const action of ['ec2:AttachVolume', 'ec2:DetachVolume']) {
    once({
      group,
      ...role,
      action,
      resource: volumeArn,
      context: managed,
      expect: allow,
      why: 'attaches it to the task, and detaches it when the task stops',
    });
    once({
      group,
      ...role,
      action,
      resource: `arn:aws:ec2:${region}:${ECR_LAYER_ACCOUNT}:instance/i-0123456789abcdef0`,
      // The host is an AWS-owned instance, and AWS authorizes its own side: only our role's policy decides here.
      resourceAccount: account,
      expect: allow,
      why: "on the Fargate host (an AWS account's instance)",
    });
  }
  once({
    group,
    ...role,
    action: 'ec2:DeleteVolume',
    resource: volumeArn,
    context: managed,
    expect: allow,
    why: 'deletes it when the task stops',
  });
  const key = keyArnOf(model, roleResource.stack, volume.KmsKeyId);
  const viaEc2 = { 'kms:ViaService': `ec2.${region}.amazonaws.com`, 'kms:CallerAccount': account };
  for (const action of ['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:DescribeKey']) {
    once({ group, ...role, action, resource: key, context: viaEc2, expect: allow, why: 'EBS encrypts the volume with the backup key' });
  }
  once({
    group,
    ...role,
    action: 'kms:CreateGrant',
    resource: key,
    context: { ...viaEc2, 'kms:GrantIsForAWSResource': 'true' },
    expect: allow,
    why: 'EBS holds a grant on the key while the volume is attached',
  });
  return edges;
}

function replication(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const bucket of model.ofType('AWS::S3::Bucket').filter((b) => b.properties.ReplicationConfiguration)) {
    const config = bucket.properties.ReplicationConfiguration as {
      Role: string;
      Rules: { Destination: { Bucket: string; EncryptionConfiguration?: { ReplicaKmsKeyID: string } } }[];
    };
    const group = 'S3 replication -> replica region';
    const role = rolePrincipal(model, config.Role);
    const object = `${bucket.arn}/databases/orders-db/backups/20261125T020000Z-abc123/dump.pgdump.zst`;
    edges.push({
      group,
      principal: { service: 's3.amazonaws.com' },
      principalLabel: 's3.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: config.Role,
      context: { 'aws:SourceAccount': bucket.stack.account, 'aws:SourceArn': bucket.arn! },
      expect: allow,
      why: `S3 replicates ${bucket.ref} with this role`,
    });
    for (const action of ['s3:GetReplicationConfiguration', 's3:ListBucket']) {
      edges.push({ group, ...role, action, resource: bucket.arn!, expect: allow, why: 'reads what to replicate' });
    }
    for (const action of [
      's3:GetObjectVersionForReplication',
      's3:GetObjectVersionAcl',
      's3:GetObjectVersionTagging',
      's3:GetObjectRetention',
      's3:GetObjectLegalHold',
    ]) {
      edges.push({ group, ...role, action, resource: object, expect: allow, why: 'reads each new version with its lock' });
    }
    const sourceKey = bucket.properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault
      ?.KMSMasterKeyID as string | undefined;
    if (sourceKey) {
      edges.push({
        group,
        ...role,
        action: 'kms:Decrypt',
        resource: keyArnOf(model, bucket.stack, sourceKey),
        context: {
          'kms:ViaService': `s3.${bucket.stack.region}.amazonaws.com`,
          'kms:EncryptionContext:aws:s3:arn': bucket.arn!,
          'kms:CallerAccount': bucket.stack.account,
        },
        expect: allow,
        why: 'decrypts the source version',
      });
    }
    for (const rule of config.Rules) {
      const destination = model.ofType('AWS::S3::Bucket').find((b) => b.arn === rule.Destination.Bucket);
      if (!destination) throw new Error(`${bucket.ref} replicates into ${rule.Destination.Bucket}, which is not a bucket of the stage`);
      const replica = object.replace(bucket.arn!, destination.arn!);
      for (const action of ['s3:ReplicateObject', 's3:ReplicateTags']) {
        edges.push({ group, ...role, action, resource: replica, expect: allow, why: `writes the copy into ${destination.ref}` });
      }
      const replicaKey = rule.Destination.EncryptionConfiguration?.ReplicaKmsKeyID;
      if (replicaKey) {
        const keyArn = keyArnOf(model, destination.stack, replicaKey);
        const aliases = model
          .ofType('AWS::KMS::Alias')
          .filter((a) => a.stack === destination.stack && keyArnOf(model, destination.stack, a.properties.TargetKeyId as string) === keyArn)
          .map((a) => a.properties.AliasName as string);
        edges.push({
          group,
          ...role,
          action: 'kms:Encrypt',
          resource: keyArn,
          context: {
            'kms:ViaService': `s3.${destination.stack.region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': destination.arn!,
            'kms:CallerAccount': bucket.stack.account,
            ...(aliases.length > 0 ? { 'kms:ResourceAliases': aliases } : {}),
          },
          expect: allow,
          why: 'encrypts the copy with the replica key',
        });
      }
    }
  }
  return edges;
}

function accessLogDelivery(model: AuthorizationModel): AccessEdge[] {
  return model
    .ofType('AWS::S3::Bucket')
    .filter((b) => b.properties.LoggingConfiguration)
    .map((bucket) => {
      const logs = model.ofType('AWS::S3::Bucket').find((b) => b.ref === bucket.properties.LoggingConfiguration.DestinationBucketName)!;
      return {
        group: 'S3 server access logs -> access-log buckets',
        principal: { service: 'logging.s3.amazonaws.com' },
        principalLabel: 'logging.s3.amazonaws.com',
        action: 's3:PutObject',
        resource: `${logs.arn}/${bucket.properties.LoggingConfiguration.LogFilePrefix ?? ''}2026-11-25-02-00-00-0123456789ABCDEF`,
        context: { 'aws:SourceArn': bucket.arn!, 'aws:SourceAccount': bucket.stack.account },
        expect: allow,
        why: `delivers ${bucket.ref}'s access logs`,
      };
    });
}

function logGroupEncryption(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const logGroup of model.ofType('AWS::Logs::LogGroup').filter((g) => g.properties.KmsKeyId)) {
    const { region, account } = logGroup.stack;
    for (const action of ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']) {
      edges.push({
        group: 'CloudWatch Logs -> log group keys',
        principal: { service: `logs.${region}.amazonaws.com` },
        principalLabel: `logs.${region}.amazonaws.com (${logGroup.ref})`,
        action,
        resource: keyArnOf(model, logGroup.stack, logGroup.properties.KmsKeyId as string),
        context: {
          'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:${logGroup.ref}`,
          'kms:CallerAccount': account,
        },
        expect: allow,
        why: 'CloudWatch Logs encrypts the log group with its key',
      });
    }
  }
  return edges;
}

/** Services that assume the remaining roles: Lambda its function role, VPC flow logs, AWS Chatbot. */
function serviceRoles(model: AuthorizationModel): AccessEdge[] {
  const edges: AccessEdge[] = [];
  for (const fn of model.ofType('AWS::Lambda::Function')) {
    edges.push({
      group: 'Services -> their roles',
      principal: { service: 'lambda.amazonaws.com' },
      principalLabel: 'lambda.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: fn.properties.Role as string,
      context: { 'aws:SourceAccount': fn.stack.account },
      expect: allow,
      why: `runs ${constructLabel(fn)}`,
    });
  }
  for (const flowLog of model.ofType('AWS::EC2::FlowLog')) {
    const role = flowLog.properties.DeliverLogsPermissionArn as string;
    edges.push({
      group: 'Services -> their roles',
      principal: { service: 'vpc-flow-logs.amazonaws.com' },
      principalLabel: 'vpc-flow-logs.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: role,
      context: { 'aws:SourceAccount': flowLog.stack.account },
      expect: allow,
      why: 'delivers the VPC flow logs',
    });
    const logGroup = model.ofType('AWS::Logs::LogGroup').find((g) => g.ref === flowLog.properties.LogGroupName)!;
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      edges.push({
        group: 'Services -> their roles',
        ...rolePrincipal(model, role),
        action,
        resource: `${logGroup.arn}:log-stream:eni-0123456789abcdef0-all`,
        expect: allow,
        why: 'writes the VPC flow logs',
      });
    }
  }
  for (const chatbot of model.ofType('AWS::Chatbot::SlackChannelConfiguration')) {
    edges.push({
      group: 'Services -> their roles',
      principal: { service: 'chatbot.amazonaws.com' },
      principalLabel: 'chatbot.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: chatbot.properties.IamRoleArn as string,
      expect: allow,
      why: 'AWS Chatbot renders the alert cards in Slack with this role',
    });
  }
  return edges;
}
