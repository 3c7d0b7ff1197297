import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { alertTopicArnOfBucket } from '../contract/resource-names.js';
import { PgBackupError } from '../errors.js';

/**
 * The alert topic a restore notifies: `--alert-topic-arn` (or PG_BACKUP_ALERT_TOPIC_ARN) when given, else the topic
 * the bucket's storage stack created beside it (`<app>-alerts` in the bucket's account and region, from the bucket's
 * name). Undefined when neither is known: the caller refuses before anything changes.
 */
export function alertTopicFor(bucket: string, given: string | undefined, partition: string): string | undefined {
  return given ?? alertTopicArnOfBucket(bucket, partition);
}

/**
 * Publishes one alert to the topic (in the topic's own region) the way the freshness check does: e-mail gets
 * `text`, every other protocol (AWS Chatbot for Slack) the custom-notification card. The error names the topic.
 */
export async function publishAlert(
  topicArn: string,
  message: { readonly subject: string; readonly text: string; readonly card: unknown },
  sns?: SNSClient,
): Promise<string | undefined> {
  const client = sns ?? new SNSClient({ region: topicArn.split(':')[3] });
  try {
    const answer = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: toSubject(message.subject),
        Message: JSON.stringify({ default: JSON.stringify(message.card), email: message.text }),
        MessageStructure: 'json',
      }),
    );
    return answer.MessageId;
  } catch (error) {
    throw new PgBackupError(`could not notify the alert topic ${topicArn}: ${(error as Error).message}`, { cause: error });
  }
}

/** SNS subjects: printable ASCII, no line breaks, at most 100 characters. */
function toSubject(text: string): string {
  const ascii = text.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}
