import { GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { deployStorageToMoto } from '../../../tools/local/deploy-to-moto.js';
import { motoEndpoint, s3Client, uniqueName } from '../../support/services.js';

// The run's moto server (test/support/global-setup.ts); each test deploys the two storage stacks of
// the example stage under its own appName with cdklocal, then reads back through the S3 and KMS APIs.

function stage(): AppConfig {
  return { ...example, appName: uniqueName('pgb') };
}

function kms(region: string): KMSClient {
  return new KMSClient({ region, endpoint: motoEndpoint() });
}

async function expectKeyRotatingWithAlias(region: string, keyArn: string, aliasName: string) {
  expect((await kms(region).send(new GetKeyRotationStatusCommand({ KeyId: keyArn }))).KeyRotationEnabled).toBe(true);
  const aliases = (await kms(region).send(new ListAliasesCommand({}))).Aliases ?? [];
  expect(aliases).toContainEqual(expect.objectContaining({ AliasName: aliasName, TargetKeyId: keyArn.split('/').pop() }));
}

describe('deployStorageToMoto', () => {
  test("deploys both storage stacks with cdklocal; moto's CloudFormation applies bucket encryption, keys with rotation and aliases", async () => {
    const config = stage();
    const deployed = await deployStorageToMoto({ endpoint: motoEndpoint(), config, completeBuckets: false });

    expect(deployed.primaryBucketName).toBe(`${config.appName}-backups-123456789012-eu-west-1`);
    expect(deployed.replicaBucketName).toBe(`${config.appName}-backups-123456789012-eu-central-1`);
    expect(deployed.primaryKeyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(deployed.replicaKeyArn).toMatch(/^arn:aws:kms:eu-central-1:123456789012:key\//);
    expect(deployed.alertTopicArn).toMatch(/^arn:aws:sns:eu-west-1:123456789012:/);
    expect(deployed.completed).toEqual({});

    for (const [bucket, region, keyArn] of [
      [deployed.primaryBucketName, 'eu-west-1', deployed.primaryKeyArn],
      [deployed.replicaBucketName, 'eu-central-1', deployed.replicaKeyArn],
    ] as const) {
      const encryption = await s3Client(region).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: keyArn,
      });
      await expectKeyRotatingWithAlias(region, keyArn, `alias/${config.appName}-backups`);
    }
  });

  test('by default completes the buckets through the S3 API: versioning, Bucket Keys, Object Lock, lifecycle, public access block, logging, replication', async () => {
    const config = stage();
    const deployed = await deployStorageToMoto({ endpoint: motoEndpoint(), config });
    const s3 = s3Client('eu-west-1');
    const Bucket = deployed.primaryBucketName;

    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: deployed.primaryKeyArn },
      BucketKeyEnabled: true,
    });
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration).toMatchObject({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } },
    });
    const lifecycle = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.[0];
    expect(lifecycle).toMatchObject({
      ID: 'tier-and-expire-backups',
      Status: 'Enabled',
      Transitions: [
        { Days: 30, StorageClass: 'STANDARD_IA' },
        { Days: 90, StorageClass: 'GLACIER' },
      ],
      Expiration: { Days: 400 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toMatchObject({ TargetPrefix: `${Bucket}/` });

    const replication = (await s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration;
    expect(replication?.Role).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(replication?.Rules?.[0]).toMatchObject({
      ID: 'replicate-all-to-replica-region',
      Status: 'Enabled',
      DeleteMarkerReplication: { Status: 'Disabled' },
      // moto 5.2 does not echo SourceSelectionCriteria; the template test asserts it.
      Destination: {
        Bucket: `arn:aws:s3:::${deployed.replicaBucketName}`,
        EncryptionConfiguration: { ReplicaKmsKeyID: `arn:aws:kms:eu-central-1:123456789012:alias/${config.appName}-backups` },
      },
    });

    const replica = s3Client('eu-central-1');
    expect((await replica.send(new GetBucketVersioningCommand({ Bucket: deployed.replicaBucketName }))).Status).toBe('Enabled');
    expect(
      (await replica.send(new GetObjectLockConfigurationCommand({ Bucket: deployed.replicaBucketName }))).ObjectLockConfiguration?.Rule,
    ).toMatchObject({
      DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 },
    });
    await expect(replica.send(new GetBucketReplicationCommand({ Bucket: deployed.replicaBucketName }))).rejects.toThrow(
      /replication configuration was not found/i,
    );
  });
});
