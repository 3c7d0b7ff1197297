import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE, schedulesOf, synthApp } from './jobs-app.js';

let jobs: Template;
beforeAll(() => {
  jobs = synthApp(EXAMPLE, { monitoring: false }).jobsTemplate!;
});

describe('the dump and verify tasks', () => {
  test("ECS may assume their task roles (the schedules' overrides) and the execution role only for tasks of this account and region", () => {
    const definitions = Object.values(jobs.findResources('AWS::ECS::TaskDefinition'));
    const taskRoles = [...schedulesOf(jobs).values()].map((s) => /^GetAtt:(.*)\.Arn$/.exec(s.request.Overrides.TaskRoleArn)![1]!);
    const roleIds = [...new Set([...taskRoles, ...definitions.map((d) => d.Properties.ExecutionRoleArn['Fn::GetAtt'][0])])];
    expect(roleIds).toHaveLength(3);
    const roles = jobs.toJSON().Resources as Record<string, { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } }>;
    for (const id of roleIds) {
      expect(roles[id]!.Properties.AssumeRolePolicyDocument.Statement, id).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:eu-west-1:123456789012:*' },
          },
        },
      ]);
    }
  });

  test.each(['dump', 'verify'])(
    'the %s container has a read-only root file system and writes only to a task-local volume on /tmp',
    (job) => {
      const family = schedulesOf(jobs).get(`orders-db-${job}`)!.request.TaskDefinition;
      const definition = Object.values(jobs.findResources('AWS::ECS::TaskDefinition')).find((d) => d.Properties.Family === family)!;
      // A bind mount without a host path: the task's ephemeral storage, gone when the task stops.
      expect(definition.Properties.Volumes).toEqual([{ Name: 'work' }]);
      const [container] = definition.Properties.ContainerDefinitions;
      expect(container.ReadonlyRootFilesystem).toBe(true);
      expect(container.MountPoints).toEqual([{ SourceVolume: 'work', ContainerPath: '/tmp', ReadOnly: false }]);
    },
  );
});
