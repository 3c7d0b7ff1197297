import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { alertTopicArnOfBucket } from '../../src/contract/resource-names.js';
import { motoEndpoint, uniqueName } from './services.js';

/** One alert as a queue subscribed to the topic gets it: the subject and the Chatbot card (e-mail gets the text). */
export interface DeliveredAlert {
  readonly subject: string;
  readonly card: { readonly content: { readonly title: string; readonly description: string } } & Record<string, unknown>;
}

/**
 * An SQS queue subscribed to the alert topic beside `bucket` (the one createBucket made), standing in for e-mail and
 * Chatbot: `drain()` returns every alert delivered since the last call.
 */
export async function alertInbox(bucket: string, region = 'eu-west-1') {
  const endpoint = motoEndpoint();
  const sqs = new SQSClient({ region, endpoint });
  const topicArn = alertTopicArnOfBucket(bucket)!;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('inbox') }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await new SNSClient({ region, endpoint }).send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }),
  );
  return {
    topicArn,
    async drain(): Promise<DeliveredAlert[]> {
      const out: DeliveredAlert[] = [];
      for (;;) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!Messages?.length) return out;
        for (const m of Messages) {
          // SNS delivers the `default` member of a JSON message to SQS (the card); e-mail gets `email`.
          const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string };
          out.push({ subject: envelope.Subject, card: JSON.parse(envelope.Message) as DeliveredAlert['card'] });
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    },
  };
}
