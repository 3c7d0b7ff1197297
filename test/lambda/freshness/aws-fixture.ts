import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { FreshnessClients } from '../../../lambda/freshness/run-check.js';
import {
  databaseParameterName,
  databaseParameterValues,
  type FreshnessConfig,
  type FreshnessDatabase,
} from '../../../src/contract/freshness/function-environment.js';
import { createBucket, motoEndpoint, s3Client, uniqueName } from '../../support/services.js';

const region = 'eu-west-1';

/** What an operator's inbox sees: the subject and the parsed message of every SNS delivery. */
export interface Delivered {
  readonly subject: string;
  readonly message: string;
}

/**
 * A bucket, an alert topic with an SQS queue subscribed to it (standing in for e-mail and Chatbot),
 * an alert-state table: all real APIs on the shared moto server.
 */
export async function freshnessFixture() {
  const endpoint = motoEndpoint();
  const clients: FreshnessClients = {
    s3: s3Client(region),
    cloudwatch: new CloudWatchClient({ region, endpoint }),
    sns: new SNSClient({ region, endpoint }),
    dynamodb: new DynamoDBClient({ region, endpoint }),
  };
  const sqs = new SQSClient({ region, endpoint });
  const bucket = await createBucket();
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: uniqueName('alerts') }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('inbox') }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  const stateTable = uniqueName('alert-state');
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: stateTable,
      KeySchema: [{ AttributeName: 'databaseId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'databaseId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  /** Every message delivered to the queue since the last call (and removes them). */
  async function drain(): Promise<Delivered[]> {
    const out: Delivered[] = [];
    for (;;) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!Messages?.length) return out;
      for (const m of Messages) {
        const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string };
        out.push({ subject: envelope.Subject, message: envelope.Message });
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  }

  const topicArn = TopicArn!;
  /** The check's configuration against this fixture's bucket, topic and table, for these databases. */
  const configFor = (databases: FreshnessConfig['databases'], extra: Partial<FreshnessConfig> = {}): FreshnessConfig => ({
    bucket,
    topicArn,
    stateTable,
    region,
    reminderEverySeconds: 6 * 3600,
    functionLogGroupName: '/aws/lambda/pg-backup-freshness',
    databases,
    ...extra,
  });

  return { clients, bucket, topicArn, stateTable, region, drain, configFor };
}

/**
 * The database list as the monitoring stack writes it (src/contract/freshness/function-environment.ts), in
 * SSM parameters on the shared moto server under a path of its own; returns the path.
 */
export async function databaseList(databases: readonly FreshnessDatabase[], stacks = 1): Promise<string> {
  const ssm = new SSMClient({ region, endpoint: motoEndpoint() });
  const path = `/${uniqueName('stage')}/freshness/databases`;
  // Spread over `stacks` monitoring stacks, as a stage with several writes them.
  const perStack = Math.ceil(databases.length / stacks) || 1;
  for (let stack = 1; stack <= stacks; stack++) {
    const part = databases.slice((stack - 1) * perStack, stack * perStack);
    const values = databaseParameterValues(part);
    for (const [i, value] of values.entries()) {
      await ssm.send(new PutParameterCommand({ Name: databaseParameterName(path, stack, i + 1), Value: value, Type: 'String' }));
    }
  }
  ssm.destroy();
  return path;
}
