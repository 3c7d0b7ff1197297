import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type CfnTemplate,
  describeRewrites,
  MOTO_CREATES,
  MOTO_DOES_NOT_CREATE,
  type RewriteContext,
  rewriteTemplateForMoto,
} from '../../../tools/local/moto-template-rewrites.js';

const CONTEXT: RewriteContext = {
  stackName: 'app-monitoring',
  region: 'eu-west-1',
  account: '123456789012',
  deployedOutputs: { 'app-primary': { BucketOut: 'app-backups', TopicOut: 'arn:aws:sns:eu-west-1:123456789012:alerts' } },
};

const output = (OutputName: string, StackName = 'app-primary') => ({
  'Fn::GetStackOutput': { StackName, Region: 'eu-west-1', OutputName },
});

describe('rewriteTemplateForMoto', () => {
  test('GIVEN cross-stack references WHEN rewritten THEN each becomes the deployed output, counted per output', () => {
    const template: CfnTemplate = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { B: output('BucketOut'), T: output('TopicOut') } } },
        },
        Policy: { Type: 'AWS::IAM::Policy', Properties: { Resource: { 'Fn::Join': ['', ['arn:aws:s3:::', output('BucketOut'), '/*']] } } },
      },
    };
    const { template: rewritten, rewrites } = rewriteTemplateForMoto(template, CONTEXT);

    expect(rewritten.Resources.Fn.Properties!.Environment.Variables).toEqual({
      B: 'app-backups',
      T: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    });
    expect(rewritten.Resources.Policy.Properties!.Resource).toEqual({ 'Fn::Join': ['', ['arn:aws:s3:::', 'app-backups', '/*']] });
    expect(rewrites).toEqual([
      {
        kind: 'stack-output',
        stack: 'app-monitoring',
        fromStack: 'app-primary',
        outputName: 'BucketOut',
        value: 'app-backups',
        references: 2,
      },
      {
        kind: 'stack-output',
        stack: 'app-monitoring',
        fromStack: 'app-primary',
        outputName: 'TopicOut',
        value: 'arn:aws:sns:eu-west-1:123456789012:alerts',
        references: 1,
      },
    ]);
    // The input is left as it was.
    expect(template.Resources.Fn.Properties!.Environment.Variables.B).toEqual(output('BucketOut'));
  });

  test.each([
    [
      output('BucketOut', 'app-jobs'),
      'app-monitoring reads output BucketOut of app-jobs, which is not deployed yet (deployed: app-primary)',
    ],
    [output('Nope'), 'app-monitoring reads output Nope of app-primary, which has no such output'],
  ])('GIVEN a reference to an output not deployed THEN it fails naming it (%#)', (reference, message) => {
    expect(() => rewriteTemplateForMoto({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { X: reference } } } }, CONTEXT)).toThrow(
      message,
    );
  });

  test('GIVEN a Lambda-backed custom resource THEN it is removed with its reason, and DependsOn on it is dropped', () => {
    const { template, rewrites } = rewriteTemplateForMoto(
      {
        Resources: {
          Restrict: { Type: 'Custom::VpcRestrictDefaultSG', Properties: { ServiceToken: 'arn' } },
          Other: { Type: 'Custom::Whatever', Properties: { ServiceToken: 'arn' } },
          Vpc: { Type: 'AWS::EC2::VPC', DependsOn: ['Restrict', 'Queue'] },
          Queue: { Type: 'AWS::SQS::Queue', DependsOn: 'Other' },
        },
      },
      CONTEXT,
    );
    expect(Object.keys(template.Resources)).toEqual(['Vpc', 'Queue']);
    expect(template.Resources.Vpc.DependsOn).toEqual(['Queue']);
    expect(template.Resources.Queue.DependsOn).toBeUndefined();
    expect(rewrites).toEqual([
      {
        kind: 'custom-resource-removed',
        stack: 'app-monitoring',
        logicalId: 'Restrict',
        type: 'Custom::VpcRestrictDefaultSG',
        reason:
          "Lambda-backed custom resource (on AWS it removes every rule of the VPC's default security group); moto would invoke its provider Lambda, which needs a Docker engine",
      },
      expect.objectContaining({ kind: 'custom-resource-removed', logicalId: 'Other', type: 'Custom::Whatever' }),
    ]);
  });

  test('GIVEN a rule on a security group outside the app THEN it is removed, naming the group', () => {
    const { template, rewrites } = rewriteTemplateForMoto(
      {
        Resources: {
          Sg: { Type: 'AWS::EC2::SecurityGroup' },
          Outside: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: 'sg-0123', SourceSecurityGroupId: { Ref: 'Sg' } } },
          Inside: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: { 'Fn::GetAtt': ['Sg', 'GroupId'] } } },
        },
      },
      CONTEXT,
    );
    expect(Object.keys(template.Resources)).toEqual(['Sg', 'Inside']);
    expect(rewrites).toEqual([
      {
        kind: 'outside-app-removed',
        stack: 'app-monitoring',
        logicalId: 'Outside',
        type: 'AWS::EC2::SecurityGroupIngress',
        target: 'sg-0123',
        reason: "adds a rule to security group sg-0123, which is not part of this app (the database's) and does not exist in the emulator",
      },
    ]);
  });

  test('GIVEN types moto does not create THEN they are listed by type; references to them get the names and ARNs AWS would give', () => {
    const { template, rewrites } = rewriteTemplateForMoto(
      {
        Resources: {
          Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
          Named: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: { 'Fn::Join': ['-', ['x', { Ref: 'AWS::StackName' }]] } } },
          Unnamed: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
          TopicPolicy: { Type: 'AWS::SNS::TopicPolicy', Properties: {} },
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Env: { Ref: 'Table' }, Arn: { 'Fn::GetAtt': ['Table', 'Arn'] } },
            DependsOn: ['TopicPolicy'],
          },
          Dashboard: {
            Type: 'AWS::CloudWatch::Dashboard',
            Properties: { Body: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Named', 'Arn'] }, { 'Fn::GetAtt': ['Unnamed', 'Arn'] }]] } },
          },
        },
      },
      CONTEXT,
    );
    expect(template.Resources.Fn.Properties).toEqual({
      Env: 'app-monitoring-Table',
      Arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/app-monitoring-Table',
    });
    // moto skips the resource itself; a DependsOn on it is harmless there.
    expect(template.Resources.Fn.DependsOn).toEqual(['TopicPolicy']);
    expect(template.Resources.Dashboard.Properties!.Body).toEqual({
      'Fn::Join': [
        '',
        [
          {
            'Fn::Join': ['', ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:', { 'Fn::Join': ['-', ['x', { Ref: 'AWS::StackName' }]] }]],
          },
          'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:app-monitoring-Unnamed',
        ],
      ],
    });
    expect(rewrites.map((r) => (r.kind === 'not-created' ? [r.type, r.logicalIds, Object.keys(r.placeholders)] : r.kind))).toEqual([
      ['AWS::DynamoDB::GlobalTable', ['Table'], ['Ref Table', 'Table.Arn']],
      ['AWS::CloudWatch::Alarm', ['Named', 'Unnamed'], ['Named.Arn', 'Unnamed.Arn']],
      ['AWS::SNS::TopicPolicy', ['TopicPolicy'], []],
    ]);
    expect(describeRewrites(rewrites)[0]).toBe(
      "app-monitoring: not created by the emulator: AWS::DynamoDB::GlobalTable x1 (Table): moto 5.2 has no CloudFormation model for the type: it logs a warning and creates nothing; on AWS: the freshness check's alert-state table; the drill creates it under the name the function's environment gives; 2 reference(s) to it replaced by the name or ARN AWS would give it (e.g. Ref Table -> app-monitoring-Table)",
    );
  });

  test('GIVEN a reference to a not-created resource with no known stand-in THEN it fails naming the reference', () => {
    expect(() =>
      rewriteTemplateForMoto(
        {
          Resources: {
            Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
            Fn: { Type: 'AWS::Lambda::Function', Properties: { S: { 'Fn::GetAtt': ['Table', 'StreamArn'] } } },
          },
        },
        CONTEXT,
      ),
    ).toThrow('app-monitoring: Fn::GetAtt Table.StreamArn names a AWS::DynamoDB::GlobalTable, which moto does not create');
  });

  test('GIVEN a resource type not known to be created or skipped by moto THEN the rewrite fails naming it', () => {
    expect(() => rewriteTemplateForMoto({ Resources: { Db: { Type: 'AWS::RDS::DBInstance' } } }, CONTEXT)).toThrow(
      "app-monitoring has resource types not known to moto 5.2's CloudFormation support: AWS::RDS::DBInstance",
    );
  });
});

describe("the support table matches the installed moto's source", () => {
  // Every CloudFormationModel of moto declares its type in cloudformation_type(); the tables must agree with it.
  const motoDir = execFileSync('python3', ['-c', 'import moto, os; print(os.path.dirname(moto.__file__))'], { encoding: 'utf8' }).trim();
  const implemented = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.py')) {
        for (const match of readFileSync(file, 'utf8').matchAll(/def cloudformation_type\(\)[^:]*:(?:\s*#[^\n]*)*\s*return "([^"]+)"/g))
          implemented.add(match[1]);
      }
    }
  };
  walk(motoDir);

  test.each(MOTO_CREATES)('%s: moto implements it', (type) => expect(implemented.has(type)).toBe(true));
  test.each(Object.keys(MOTO_DOES_NOT_CREATE))('%s: moto does not implement it', (type) => expect(implemented.has(type)).toBe(false));
});
