import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import { AuthorizationModel, type StageResource } from '../../../tools/access/authorization-model.js';
import { synthesizeStage } from '../../../tools/access/stack-templates.js';
import { motoEndpoint, uniqueName } from '../../support/services.js';

// The tripwire rules of the synthesized primary stack (their patterns and message templates, intrinsics resolved
// to the stage's ARNs), put on moto's EventBridge with an SQS queue standing in for the alert topic, fed with
// CloudTrail events as AWS delivers them. moto matches patterns and applies the input transformer; it does not
// match fields inside arrays of objects (`resources.ARN`), which is why every KMS pattern also matches the key as
// the request names it (`requestParameters.keyId`).

const FIXTURES = join(import.meta.dirname, '../../fixtures/cloudtrail');
const aws = { region: 'eu-west-1', endpoint: motoEndpoint(), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
const events = new EventBridgeClient(aws);
const sqs = new SQSClient(aws);

let model: AuthorizationModel;
let queueUrl: string;
let bucket: string;
let key: StageResource;
// A bus of this test's own: on the default bus, the rules of stacks other tests deploy to the same moto (same
// stage, same bucket names) would match these events too, and moto fails the whole PutEvents on their targets.
let eventBusName: string;

/** A CloudTrail event from test/fixtures/cloudtrail, with the stage's names in place of ${BUCKET}, ${KEY_ARN}, ${KEY_ID}. */
function cloudTrailEvent(name: string, names: Record<string, string>): Record<string, unknown> {
  let text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
  for (const [placeholder, value] of Object.entries(names)) text = text.replaceAll(`\${${placeholder}}`, value);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The alerts that one event sets off: the transformed messages the rules deliver. */
async function alertsFor(source: string, detail: Record<string, unknown>): Promise<string[]> {
  await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: eventBusName, Source: source, DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(detail) }],
    }),
  );
  const messages: string[] = [];
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!Messages?.length) return messages;
    for (const message of Messages) {
      messages.push(message.Body!);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

beforeAll(async () => {
  const stacks = synthesizeStage(example);
  model = new AuthorizationModel(stacks, example.account);
  const primary = model.stacks.find((s) => s.stackName === 'pg-backup-primary-storage')!;
  bucket = model
    .ofType('AWS::S3::Bucket')
    .find((b) => b.stack === primary && b.properties.ObjectLockEnabled === true && b.ref.startsWith('pg-backup-backups-'))!.ref;
  key = model.ofType('AWS::KMS::Key').find((k) => k.stack === primary && k.logicalId.startsWith('BackupKey'))!;

  eventBusName = uniqueName('tripwires');
  await events.send(new CreateEventBusCommand({ Name: eventBusName }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('tripwires') }));
  queueUrl = QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const rules = model.ofType('AWS::Events::Rule').filter((r) => r.stack === primary && String(r.properties.Name).includes('-tripwire-'));
  expect(rules.map((r) => r.properties.Name).sort()).toEqual([
    'pg-backup-tripwire-backups-destroyed',
    'pg-backup-tripwire-bucket-loosened',
    'pg-backup-tripwire-key-ended',
  ]);
  for (const rule of rules) {
    const name = uniqueName(String(rule.properties.Name));
    await events.send(
      new PutRuleCommand({ Name: name, EventBusName: eventBusName, EventPattern: JSON.stringify(rule.properties.EventPattern) }),
    );
    const target = rule.properties.Targets[0] as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } };
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: eventBusName,
        Targets: [{ Id: 'inbox', Arn: Attributes!.QueueArn, InputTransformer: target.InputTransformer }],
      }),
    );
  }
});

describe('tripwires on CloudTrail events', () => {
  test("an administrator trying to replace the backup bucket's policy (refused): one alert naming who, what, which bucket, when, and the refusal", async () => {
    const alerts = await alertsFor('aws.s3', cloudTrailEvent('put-bucket-policy', { BUCKET: bucket }));
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(alerts[0]!) as string;
    expect(alert).toContain('pg-backup TRIPWIRE in eu-west-1: a backup bucket was loosened, or someone tried.');
    expect(alert).toContain(
      'Call: PutBucketPolicy by arn:aws:sts::123456789012:assumed-role/Administrator/mallory at 2026-11-25T02:03:44Z from 198.51.100.23.',
    );
    expect(alert).toContain(`Resource: bucket ${bucket}`);
    expect(alert).toContain('error code: AccessDenied');
  });

  test('the same call on a bucket that is not ours: no alert', async () => {
    expect(await alertsFor('aws.s3', cloudTrailEvent('put-bucket-policy', { BUCKET: 'someone-elses-bucket' }))).toEqual([]);
  });

  test('a delete of a backup version bypassing governance (a data event): one alert naming the key', async () => {
    const alerts = await alertsFor('aws.s3', cloudTrailEvent('delete-object-version', { BUCKET: bucket }));
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!)).toContain('key databases/orders-db/backups/20261124T020000Z-7f3a2b/dump.pgdump.zst');
  });

  test('a verify task reading a dump: no alert', async () => {
    expect(await alertsFor('aws.s3', cloudTrailEvent('get-object', { BUCKET: bucket }))).toEqual([]);
  });

  test('scheduling the deletion of the data key (refused): one alert', async () => {
    const alerts = await alertsFor('aws.kms', cloudTrailEvent('schedule-key-deletion', { KEY_ARN: key.arn!, KEY_ID: key.ref }));
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!)).toContain('Call: ScheduleKeyDeletion by arn:aws:sts::123456789012:assumed-role/Administrator/mallory');
  });

  test('scheduling the deletion of another key: no alert', async () => {
    const other = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    expect(
      await alertsFor(
        'aws.kms',
        cloudTrailEvent('schedule-key-deletion', { KEY_ARN: other, KEY_ID: '11111111-2222-3333-4444-555555555555' }),
      ),
    ).toEqual([]);
  });

  test('a grant DynamoDB creates for its table: no alert', async () => {
    expect(await alertsFor('aws.kms', cloudTrailEvent('create-grant-by-dynamodb', { KEY_ARN: key.arn! }))).toEqual([]);
  });
});
