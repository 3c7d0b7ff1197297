import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { FRESHNESS_FUNCTION_ENV } from '../../../src/contract/freshness/function-environment.js';
import { DEFAULT_LIMITS } from '../../../src/contract/freshness/limits.js';
import { monitoringApp } from '../../lib/monitoring/monitoring-app.js';
import { writePointer } from '../../src/contract/freshness/backup-history.js';
import { motoEndpoint } from '../../support/services.js';
import { databaseList, freshnessFixture } from './aws-fixture.js';

/** The zip CDK would upload: the esbuild bundle of lambda/freshness/handler.ts from a real synth. */
function bundledHandler(): string {
  const { app, monitoring } = monitoringApp({ nag: false });
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(`${assembly.directory}/${monitoring.templateFile}`, 'utf8'));
  const fn = Object.values(template.Resources as Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>).find(
    (r) => r.Type === 'AWS::Lambda::Function',
  )!;
  return `${assembly.directory}/asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}/index.js`;
}

test('the bundled Lambda, run by plain node as the runtime would, checks and alerts against moto', async () => {
  const bundle = bundledHandler();
  const { clients, bucket, topicArn, stateTable, drain } = await freshnessFixture();
  await writePointer(clients.s3, bucket, 'orders-db', { newestAgeHours: 40, sizes: [1000] });
  const databasesPath = await databaseList([{ id: 'orders-db', limits: DEFAULT_LIMITS, dumpNowCommand: 'run-dump' }]);

  const result = await execa('node', ['-e', `require(${JSON.stringify(bundle)}).handler().then((r) => console.log(JSON.stringify(r)))`], {
    reject: false,
    env: {
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_REGION: 'eu-west-1',
      [FRESHNESS_FUNCTION_ENV.bucket]: bucket,
      [FRESHNESS_FUNCTION_ENV.topicArn]: topicArn,
      [FRESHNESS_FUNCTION_ENV.stateTable]: stateTable,
      [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: '21600',
      [FRESHNESS_FUNCTION_ENV.functionLogGroupName]: '/aws/lambda/freshness',
      [FRESHNESS_FUNCTION_ENV.databasesParameterPath]: databasesPath,
    },
  });

  expect(result.stderr).not.toMatch(/Error/);
  expect(result.stdout.trim().split('\n').at(-1)).toBe(JSON.stringify({ checked: 1, problems: 1, notified: 1 }));
  expect((await drain()).map((m) => m.subject)).toEqual(['pg-backup orders-db: newest backup is 40 h old (limit 26 h)']);
});
