import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { IPolicyValidationContext } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import type { DatabaseConfig } from '../../../lib/config/database-config.js';
import { databaseAlarmName } from '../../../lib/monitoring/freshness-alarms.js';
import { STACK_LIMITS, StackLimitsPlugin } from '../../../lib/nag/stack-limits.js';
import { byStack, numberedStackName, stackNumber } from '../../../lib/stacks/stack-placement.js';
import { synthApp } from '../jobs/jobs-app.js';

/** The n-th database of a generated stage (1-based). */
function database(n: number): DatabaseConfig {
  const id = `db-${String(n).padStart(3, '0')}`;
  return {
    id,
    connection: { rdsInstance: `${id}-prod`, database: 'app' },
    secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/${id}/backup-login-AbCdEf`,
    databaseSecurityGroupId: 'sg-0123456789abcdef0',
  };
}

function stage(databases: readonly DatabaseConfig[]): AppConfig {
  return { ...example, databases, jobs: { ...example.jobs, databasesPerStack: 2 } };
}

/** Stack name -> the ids of the databases whose schedules it holds. */
function schedulesByStack(built: ReturnType<typeof synthApp>): Record<string, string[]> {
  return Object.fromEntries(
    [built.jobs!, ...built.jobsShards].map((s) => [
      s.stackName,
      Object.values(built.templates[s.stackName]!.findResources('AWS::Scheduler::Schedule'))
        .map((r) => String(r.Properties.Name))
        .filter((name) => name.endsWith('-dump'))
        .map((name) => name.replace(/-dump$/, '')),
    ]),
  );
}

describe('placement by position', () => {
  test('blocks of perStack, numbered from 1; the first keeps the base name', () => {
    expect([0, 1, 2, 3, 4].map((p) => stackNumber(p, 2))).toEqual([1, 1, 2, 2, 3]);
    expect(numberedStackName('pg-backup-jobs', 1)).toBe('pg-backup-jobs');
    expect(numberedStackName('pg-backup-jobs', 3)).toBe('pg-backup-jobs-3');
    expect(
      byStack(
        ['a', 'b', 'c'].map((item, i) => ({ position: i * 2, item })),
        2,
      ),
    ).toEqual(
      new Map([
        [1, ['a']],
        [2, ['b']],
        [3, ['c']],
      ]),
    );
  });
});

describe('numbered jobs stacks (jobs.databasesPerStack: 2)', () => {
  test('five databases: pg-backup-jobs holds the shared pieces and the first two, -2 and -3 the next; each deploys after the first', () => {
    const built = synthApp(stage([1, 2, 3, 4, 5].map(database)), { monitoring: false });
    expect(schedulesByStack(built)).toEqual({
      'pg-backup-jobs': ['db-001', 'db-002'],
      'pg-backup-jobs-2': ['db-003', 'db-004'],
      'pg-backup-jobs-3': ['db-005'],
    });
    for (const shard of built.jobsShards) {
      expect(shard.dependencies.map((s) => s.stackName)).toContain('pg-backup-jobs');
      // The shared pieces stay in the first stack: no cluster, task definition or network of its own.
      const template = built.templates[shard.stackName]!;
      for (const type of ['AWS::ECS::Cluster', 'AWS::ECS::TaskDefinition', 'AWS::EC2::VPC', 'AWS::Events::Rule', 'AWS::SQS::Queue']) {
        template.resourceCountIs(type, 0);
      }
      // Its own scheduler role, passing exactly its databases' task roles and the shared execution role.
      template.resourceCountIs('AWS::IAM::Role', 1 + 2 * schedulesByStack(built)[shard.stackName]!.length);
    }
  });

  test('appending a database leaves every other database where it was, and the stacks that hold them unchanged', () => {
    const before = synthApp(stage([1, 2, 3, 4].map(database)), { monitoring: false });
    const after = synthApp(stage([1, 2, 3, 4, 5].map(database)), { monitoring: false });
    for (const name of ['pg-backup-jobs', 'pg-backup-jobs-2']) {
      expect(after.templates[name]!.toJSON(), name).toEqual(before.templates[name]!.toJSON());
    }
    expect(schedulesByStack(after)['pg-backup-jobs-3']).toEqual(['db-005']);
  });

  test('a retired database keeps its place: the ones after it stay in their stacks, its own schedules and roles are gone', () => {
    const retired = [1, 2, 3, 4, 5].map(database).map((d, i) => (i === 1 ? { ...d, retired: true } : d));
    expect(schedulesByStack(synthApp(stage(retired), { monitoring: false }))).toEqual({
      'pg-backup-jobs': ['db-001'],
      'pg-backup-jobs-2': ['db-003', 'db-004'],
      'pg-backup-jobs-3': ['db-005'],
    });
    // Deleting the entry instead would move db-003 to the first stack: the reason `retired` exists.
    const removed = [1, 3, 4, 5].map(database);
    expect(schedulesByStack(synthApp(stage(removed), { monitoring: false }))['pg-backup-jobs']).toEqual(['db-001', 'db-003']);
  });
});

describe('numbered monitoring stacks', () => {
  test("alarms and the freshness list's parts of later blocks live in -2, -3...; the dashboard lists every alarm; a retired database is not watched", () => {
    const databases = [1, 2, 3, 4, 5].map(database).map((d, i) => (i === 4 ? { ...d, retired: true } : d));
    const built = synthApp(stage(databases), { monitoredDatabasesPerStack: 2 });
    expect(built.monitoringShards.map((s) => s.stackName)).toEqual(['pg-backup-monitoring-2']);
    const alarms = (name: string) =>
      Object.values(built.templates[name]!.findResources('AWS::CloudWatch::Alarm'))
        .map((a) => String(a.Properties.AlarmName))
        .filter((n) => n.endsWith('-backups'));
    expect(alarms('pg-backup-monitoring')).toEqual(['pg-backup-db-001-backups', 'pg-backup-db-002-backups']);
    expect(alarms('pg-backup-monitoring-2')).toEqual(['pg-backup-db-003-backups', 'pg-backup-db-004-backups']);
    const parameters = (name: string) =>
      Object.values(built.templates[name]!.findResources('AWS::SSM::Parameter')).map((p) => ({
        name: p.Properties.Name,
        ids: (JSON.parse(p.Properties.Value) as { id: string }[]).map((d) => d.id),
      }));
    expect(parameters('pg-backup-monitoring')).toEqual([{ name: '/pg-backup/freshness/databases/01-001', ids: ['db-001', 'db-002'] }]);
    expect(parameters('pg-backup-monitoring-2')).toEqual([{ name: '/pg-backup/freshness/databases/02-001', ids: ['db-003', 'db-004'] }]);
    const dashboard = JSON.stringify(built.templates['pg-backup-monitoring']!.findResources('AWS::CloudWatch::Dashboard'));
    for (const n of [1, 2, 3, 4]) expect(dashboard).toContain(databaseAlarmName('pg-backup', database(n).id));
    expect(dashboard).not.toContain('db-005');
  });
});

describe('stack limits, checked at every synth', () => {
  function context(templates: Record<string, object | string>): { context: IPolicyValidationContext; cleanup: () => void } {
    const dir = mkdtempSync(path.join(tmpdir(), 'stack-limits-'));
    const stackTemplates = Object.entries(templates).map(([name, template]) => {
      const templatePath = path.join(dir, `${name}.template.json`);
      writeFileSync(templatePath, typeof template === 'string' ? template : JSON.stringify(template));
      return { stackConstructPath: name, templatePath, accountId: '123456789012', region: 'eu-west-1' };
    });
    return {
      context: { templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates, appConstruct: undefined as never },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  test('a stack with 450 resources, or a template of 900 KB, fails, naming the stack, the figure and the fix', () => {
    const resources = Object.fromEntries(Array.from({ length: STACK_LIMITS.resources }, (_, i) => [`R${i}`, { Type: 'AWS::SNS::Topic' }]));
    const big = JSON.stringify({
      Resources: { R: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'x'.repeat(STACK_LIMITS.templateBytes) } } },
    });
    const { context: c, cleanup } = context({
      'pg-backup-jobs': { Resources: resources },
      'pg-backup-jobs-2': big,
      small: { Resources: { R: {} } },
    });
    try {
      const report = new StackLimitsPlugin().validate(c);
      expect(report.success).toBe(false);
      expect(report.violations.map((v) => v.description)).toEqual([
        "pg-backup-jobs has 450 resources; the limit is 450 (CloudFormation's is 500)",
        "pg-backup-jobs-2's template is 900 KB; the limit is 900 KB (CloudFormation's is 1 MB)",
      ]);
      expect(report.violations[0]!.fix).toContain('lower jobs.databasesPerStack');
    } finally {
      cleanup();
    }
  });

  test('449 resources and a smaller template pass', () => {
    const resources = Object.fromEntries(
      Array.from({ length: STACK_LIMITS.resources - 1 }, (_, i) => [`R${i}`, { Type: 'AWS::SNS::Topic' }]),
    );
    const { context: c, cleanup } = context({ ok: { Resources: resources } });
    try {
      expect(new StackLimitsPlugin().validate(c)).toEqual({ success: true, violations: [] });
    } finally {
      cleanup();
    }
  });
});
