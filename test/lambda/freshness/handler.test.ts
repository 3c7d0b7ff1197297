import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FreshnessCheckError } from '../../../lambda/freshness/errors.js';
import { handler } from '../../../lambda/freshness/handler.js';
import { FRESHNESS_FUNCTION_ENV } from '../../../src/contract/freshness/function-environment.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { writePointer } from '../../src/contract/freshness/backup-history.js';
import { motoEndpoint } from '../../support/services.js';
import { databaseList, freshnessFixture } from './aws-fixture.js';

// The deployed entry point, configured only through its environment as the stack configures it,
// talking to moto through the standard AWS_ENDPOINT_URL.
const saved = { ...process.env };
beforeEach(() => {
  process.env.AWS_ENDPOINT_URL = motoEndpoint();
});
afterEach(() => {
  process.env = { ...saved };
});

test('GIVEN its environment THEN the handler checks every database and alerts once per broken one', async () => {
  const { clients, bucket, topicArn, stateTable, drain } = await freshnessFixture();
  await writePointer(clients.s3, bucket, 'orders-db', { newestAgeHours: 2, sizes: [1000, 1000] });
  await writePointer(clients.s3, bucket, 'billing-db', { newestAgeHours: 50, sizes: [1000, 1000] });
  Object.assign(process.env, {
    [FRESHNESS_FUNCTION_ENV.bucket]: bucket,
    [FRESHNESS_FUNCTION_ENV.topicArn]: topicArn,
    [FRESHNESS_FUNCTION_ENV.stateTable]: stateTable,
    [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: String(6 * 3600),
    [FRESHNESS_FUNCTION_ENV.functionLogGroupName]: '/aws/lambda/freshness',
    // Its database list in SSM parameters, over two monitoring stacks' parts.
    [FRESHNESS_FUNCTION_ENV.databasesParameterPath]: await databaseList(
      ['orders-db', 'billing-db', 'ghost-db'].map((id) => ({ id, limits: DEFAULT_LIMITS, dumpNowCommand: `run-dump ${id}` })),
      2,
    ),
  });

  expect(await handler()).toEqual({ checked: 3, problems: 2, notified: 2 });
  expect((await drain()).map((m) => m.subject).sort()).toEqual([
    'pg-backup billing-db: newest backup is 50 h old (limit 26 h)',
    'pg-backup ghost-db: no backup exists',
  ]);
  expect(await handler()).toEqual({ checked: 3, problems: 2, notified: 0 });
});

test('GIVEN a malformed environment THEN the handler fails naming the variable', async () => {
  Object.assign(process.env, {
    [FRESHNESS_FUNCTION_ENV.bucket]: 'b',
    [FRESHNESS_FUNCTION_ENV.topicArn]: 'arn:aws:sns:eu-west-1:123456789012:t',
    [FRESHNESS_FUNCTION_ENV.stateTable]: 't',
    [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: 'soon',
    [FRESHNESS_FUNCTION_ENV.functionLogGroupName]: '/aws/lambda/freshness',
    [FRESHNESS_FUNCTION_ENV.databasesParameterPath]: '/nowhere',
  });
  const failure = handler();
  await expect(failure).rejects.toBeInstanceOf(FreshnessCheckError);
  await expect(failure).rejects.toThrow('environment variable REMINDER_EVERY_SECONDS ("soon") must be a positive number of seconds');
});

test('GIVEN a missing or damaged database list THEN the handler fails naming the path or the parameter', async () => {
  const { bucket, topicArn, stateTable } = await freshnessFixture();
  const environment = {
    [FRESHNESS_FUNCTION_ENV.bucket]: bucket,
    [FRESHNESS_FUNCTION_ENV.topicArn]: topicArn,
    [FRESHNESS_FUNCTION_ENV.stateTable]: stateTable,
    [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: '21600',
    [FRESHNESS_FUNCTION_ENV.functionLogGroupName]: '/aws/lambda/freshness',
  };
  Object.assign(process.env, environment, { [FRESHNESS_FUNCTION_ENV.databasesParameterPath]: '/pg-backup-missing/freshness/databases' });
  await expect(handler()).rejects.toThrow('no database list under /pg-backup-missing/freshness/databases: the SSM parameters are missing');

  const path = await databaseList([{ id: 'orders-db', limits: DEFAULT_LIMITS, dumpNowCommand: 'run-dump' }]);
  await new SSMClient({ region: 'eu-west-1', endpoint: motoEndpoint() }).send(
    new PutParameterCommand({ Name: `${path}/01-002`, Value: '[{"id": 7}]', Type: 'String' }),
  );
  Object.assign(process.env, { [FRESHNESS_FUNCTION_ENV.databasesParameterPath]: path });
  await expect(handler()).rejects.toThrow(`SSM parameter ${path}/01-002 must be a JSON array of { id, limits, dumpNowCommand }`);
});
