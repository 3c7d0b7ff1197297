import { CopyObjectCommand, CreateBucketCommand, ListObjectsV2Command, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { alertTopicName, backupBucketName } from '../../../src/contract/resource-names.js';
import { runCli } from '../../support/cli.js';
import { fingerprintDatabase } from '../../support/database-fingerprint.js';
import { createOwnedDatabase, createOwnerRole, loadTrickyFixture } from '../../support/owner-database.js';
import { createBucket, MOTO_ACCOUNT, motoEndpoint, postgresUrl, s3Client, uniqueName } from '../../support/services.js';

describe('a regional disaster: restore from the replica bucket in the other region', () => {
  it('restores from a bucket in eu-central-1 holding a copy of every object', async () => {
    const owner = await createOwnerRole();
    const source = await createOwnedDatabase(owner, 'primary');
    await loadTrickyFixture(owner, source);
    const primaryBucket = await createBucket();
    const dump = await runCli(['dump', '--db-id', 'orders-db', '--bucket', primaryBucket, '--source', owner.url(source)], {
      PGPASSWORD: owner.password,
    });
    expect(dump.exitCode, dump.stderr).toBe(0);
    const before = await fingerprintDatabase(postgresUrl(source));

    // moto does not run S3 replication: copy every object into a versioned bucket in the replica
    // region, as replication would (it would also keep the version ids; a copy gets new ones).
    const replicaRegion = 'eu-central-1';
    const replica = new S3Client({ region: replicaRegion, endpoint: motoEndpoint(), forcePathStyle: true });
    // Named as the vault's bucket is, so restore finds the vault's alert topic beside it.
    const replicaApp = uniqueName('replica');
    const replicaBucket = backupBucketName(replicaApp, MOTO_ACCOUNT, replicaRegion);
    await new SNSClient({ region: replicaRegion, endpoint: motoEndpoint() }).send(
      new CreateTopicCommand({ Name: alertTopicName(replicaApp) }),
    );
    await replica.send(
      new CreateBucketCommand({ Bucket: replicaBucket, CreateBucketConfiguration: { LocationConstraint: replicaRegion } }),
    );
    await replica.send(new PutBucketVersioningCommand({ Bucket: replicaBucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: primaryBucket }));
    for (const object of listed.Contents ?? []) {
      await replica.send(new CopyObjectCommand({ Bucket: replicaBucket, Key: object.Key, CopySource: `${primaryBucket}/${object.Key}` }));
    }

    const target = await createOwnedDatabase(owner, 'recovered');
    const restore = await runCli(
      ['restore', '--db-id', 'orders-db', '--bucket', replicaBucket, '--target', owner.url(target), '--yes', '--allow-unverified'],
      {
        PGPASSWORD: owner.password,
        AWS_REGION: replicaRegion,
      },
    );

    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(restore.stderr).toContain('reading the current version; its SHA-256 is still checked');
    const after = await fingerprintDatabase(postgresUrl(target));
    expect(after.tables).toEqual(before.tables);
    expect(after.schema).toBe(before.schema);
  });
});
