import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';
import { EXAMPLE, schedulesOf, statementsOfRole, synthApp, taskDefinitionOf } from './jobs-app.js';

// A database whose dump plus restored copy exceed Fargate's 200 GiB of ephemeral storage: its verify works on an
// EBS volume that ECS creates at launch (RunTask volumeConfigurations), encrypted with the backup key.
const LARGE: AppConfig = {
  ...EXAMPLE,
  databases: [
    { ...EXAMPLE.databases[0]!, verifyTask: { vcpu: 8, memoryGiB: 32, volumeGiB: 2400, volumeThroughputMiBps: 500 } },
    {
      id: 'small-db',
      connection: { rdsInstance: 'small-prod', database: 'small' },
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/small-db/backup-login-QwErTy',
    },
  ],
};

let jobs: Template;
beforeAll(() => {
  jobs = synthApp(LARGE, { monitoring: false }).jobsTemplate!;
});

describe('a large database verifies on an EBS volume', () => {
  test('its verify definition has the work volume configured at launch, mounted on /tmp, the container as the image user', () => {
    const { properties, container } = taskDefinitionOf(jobs, 'pg-backup-verify-cpu8192-mem32768-volume');
    expect(properties.Volumes).toEqual([{ Name: 'work', ConfiguredAtLaunch: true }]);
    expect(properties.EphemeralStorage).toBeUndefined();
    expect(container.MountPoints).toEqual([{ SourceVolume: 'work', ContainerPath: '/tmp', ReadOnly: false }]);
    // ECS gives a non-root user named in the container definition write access to the volume.
    expect(container.User).toBe('postgres');
    expect(container.ReadonlyRootFilesystem).toBe(true);
  });

  test('its schedule attaches a gp3 volume of the configured size and throughput, encrypted with the backup key, deleted with the task', () => {
    const { request } = schedulesOf(jobs).get('orders-db-verify')!;
    expect(request.VolumeConfigurations).toEqual([
      {
        Name: 'work',
        ManagedEBSVolume: {
          SizeInGiB: 2400,
          VolumeType: 'gp3',
          Throughput: 500,
          Iops: 3000,
          Encrypted: true,
          KmsKeyId: expect.stringMatching(/^Output:pg-backup-primary-storage\.PublishOutputFnGetAttBackupKey.*Arn/),
          FilesystemType: 'ext4',
          RoleArn: expect.stringMatching(/^GetAtt:VolumeInfrastructureRole.*\.Arn$/),
          TerminationPolicy: { DeleteOnTermination: true },
        },
      },
    ]);
  });

  test('the other database keeps the ephemeral-storage definition; its dump attaches nothing', () => {
    expect(schedulesOf(jobs).get('small-db-verify')!.request).toMatchObject({
      TaskDefinition: 'pg-backup-verify-cpu4096-mem16384-disk200',
    });
    expect(schedulesOf(jobs).get('small-db-verify')!.request.VolumeConfigurations).toBeUndefined();
    expect(schedulesOf(jobs).get('orders-db-dump')!.request.VolumeConfigurations).toBeUndefined();
  });

  test('the infrastructure role: ECS of this account and region only; ECS-tagged volumes only; the backup key through EC2 only', () => {
    const [id, role] = Object.entries(jobs.findResources('AWS::IAM::Role')).find(([name]) => name.startsWith('VolumeInfrastructureRole'))!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'ecs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:eu-west-1:123456789012:*' },
        },
      },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statementsOfRole(jobs, id)).toEqual([]);
    const statements = role.Properties.Policies[0].PolicyDocument.Statement as {
      Sid: string;
      Action: string | string[];
      Condition?: unknown;
    }[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.CreateEcsManagedVolumes).toMatchObject({
      Resource: 'arn:aws:ec2:eu-west-1:123456789012:volume/*',
      Condition: {
        ArnLike: { 'aws:RequestTag/AmazonECSCreated': 'arn:aws:ecs:eu-west-1:123456789012:task/*' },
        StringEquals: { 'aws:RequestTag/AmazonECSManaged': 'true' },
      },
    });
    expect(bySid.DeleteEcsManagedVolumes!.Condition).toEqual({
      ArnLike: { 'aws:ResourceTag/AmazonECSCreated': 'arn:aws:ecs:eu-west-1:123456789012:task/*' },
      StringEquals: { 'aws:ResourceTag/AmazonECSManaged': 'true' },
    });
    expect(bySid.GrantTheKeyToEbsOnly!.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com', 'kms:CallerAccount': '123456789012' },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
    // No snapshot, no other service's volumes, nothing but ec2 and kms.
    const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(actions.filter((a) => !a.startsWith('ec2:') && !a.startsWith('kms:'))).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain('snapshot');
  });

  test("the scheduler may pass the infrastructure role to ECS (not to ECS tasks), and the database's task roles to ECS tasks", () => {
    const schedulerRoleId = Object.keys(jobs.findResources('AWS::IAM::Role')).find((name) => name.startsWith('DatabasesSchedulerRole'))!;
    const own = statementsOfRole(jobs, schedulerRoleId);
    expect(own).toContainEqual(
      expect.objectContaining({
        Sid: 'PassVolumeRoleToEcs',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^VolumeInfrastructureRole/), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } },
      }),
    );
    const managed = Object.values(jobs.findResources('AWS::IAM::ManagedPolicy'));
    const passed = managed
      .flatMap((m) => m.Properties.PolicyDocument.Statement)
      .flatMap((s: { Resource: unknown }) => [].concat(s.Resource as never));
    // The execution role and the four task roles of the two databases: nothing else.
    expect(passed).toHaveLength(5);
    expect(JSON.stringify(passed)).not.toContain('VolumeInfrastructureRole');
  });
});

describe('volume configuration is validated', () => {
  test.each<[string, object, string[]]>([
    [
      'both a volume and ephemeral storage',
      { vcpu: 4, memoryGiB: 16, volumeGiB: 500, ephemeralStorageGiB: 100 },
      ['`databases[0].verifyTask.ephemeralStorageGiB` (100) must be left out when volumeGiB (500) is given: the work goes to the volume'],
    ],
    [
      'a volume beyond gp3',
      { vcpu: 4, memoryGiB: 16, volumeGiB: 20000 },
      ["`databases[0].verifyTask.volumeGiB` (20000) must be a whole number of GiB from 1 to 16384 (gp3's range)"],
    ],
    [
      'throughput without a volume',
      { vcpu: 4, memoryGiB: 16, volumeThroughputMiBps: 500 },
      ['`databases[0].verifyTask.volumeThroughputMiBps` (500) needs volumeGiB (it is the throughput of that volume)'],
    ],
    [
      'more throughput than gp3 gives a small volume',
      { vcpu: 4, memoryGiB: 16, volumeGiB: 6, volumeThroughputMiBps: 1000 },
      ['`databases[0].verifyTask.volumeThroughputMiBps` (1000) needs 4000 IOPS, more than gp3 allows on 6 GiB (500 IOPS per GiB)'],
    ],
  ])('%s', (_name, verifyTask, problems) => {
    expect(appConfigProblems({ ...EXAMPLE, databases: [{ ...EXAMPLE.databases[0]!, verifyTask: verifyTask as never }] })).toEqual(problems);
  });
});
