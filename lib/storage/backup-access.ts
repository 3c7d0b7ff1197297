import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import {
  allDatabasesPrefix,
  databasePrefix,
  dumpKey,
  globalsKey,
  grantPatterns,
  latestPointerKey,
  latestVerificationKey,
  manifestKey,
  pointersPrefix,
} from '../../src/contract/layout.js';
import { RETENTION_TIER_TAG, RETENTION_TIERS } from '../../src/contract/retention-tiers.js';

/**
 * The primary backup bucket and its key as the jobs and the freshness check are granted them. Each grant
 * covers the objects and the key together, the way aws-s3's Bucket.grant* do, and returns the iam.Grant;
 * every key use is through S3 only (kms:ViaService) and for this bucket (the SSE-KMS encryption context).
 * The object keys come from src/contract/layout.ts, the layout the CLI writes.
 *
 * Nothing here can delete an object, change retention, or touch a bucket setting; test/tools/access proves
 * each grant against the requests the CLI and the Lambda really make.
 */
export class BackupAccess {
  constructor(
    readonly bucket: s3.IBucket,
    readonly key: kms.IKey,
  ) {}

  /**
   * What `pg-backup dump` needs for one database: write the three objects of each backup and the latest
   * pointer (multipart: s3:PutObject covers Create/UploadPart/Complete), tag the three objects with their
   * retention tier as they are written, abort its own multipart uploads, read the pointer, list its own
   * prefix, and SSE-KMS with the backup key.
   */
  grantDump(grantee: iam.IGrantable, databaseId: string): iam.Grant {
    return statement('WriteOwnBackupObjects', {
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: dumpWritePatterns(databaseId).map((k) => this.bucket.arnForObjects(k)),
    })
      .combine(
        // Tagging at upload (x-amz-tagging on PutObject and CreateMultipartUpload) is authorized as s3:PutObjectTagging:
        // only the tier tag, only a tier's value, only on an object without a tier yet (a new one).
        statement('TagOwnBackupObjectsWithTheirTier', {
          grantee,
          actions: ['s3:PutObjectTagging'],
          resourceArns: backupObjectPatterns(databaseId).map((k) => this.bucket.arnForObjects(k)),
          conditions: {
            StringEquals: { [`s3:RequestObjectTag/${RETENTION_TIER_TAG}`]: [...RETENTION_TIERS] },
            'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': [RETENTION_TIER_TAG] },
            Null: { [`s3:ExistingObjectTag/${RETENTION_TIER_TAG}`]: 'true' },
          },
        }),
      )
      .combine(
        statement('ReadOwnLatestPointer', {
          grantee,
          actions: ['s3:GetObject'],
          resourceArns: [this.bucket.arnForObjects(latestPointerKey(databaseId))],
        }),
      )
      .combine(this.listOwnPrefix(grantee, databaseId))
      .combine(
        this.useKeyThroughS3(
          grantee,
          'EncryptBackupsWithBackupKey',
          ['kms:GenerateDataKey', 'kms:Decrypt'],
          [grantPatterns.databaseObjects(databaseId)],
        ),
      );
  }

  /**
   * What `pg-backup verify` needs for one database: read its objects (the exact versions the pointer and
   * the manifest name), list its prefix, decrypt, and write only the verification records.
   */
  grantVerify(grantee: iam.IGrantable, databaseId: string): iam.Grant {
    return statement('ReadOwnBackups', {
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [this.bucket.arnForObjects(grantPatterns.databaseObjects(databaseId))],
    })
      .combine(this.listOwnPrefix(grantee, databaseId))
      .combine(
        statement('WriteOwnVerificationRecords', {
          grantee,
          actions: ['s3:PutObject'],
          resourceArns: grantPatterns.verificationRecords(databaseId).map((k) => this.bucket.arnForObjects(k)),
        }),
      )
      .combine(
        this.useKeyThroughS3(
          grantee,
          'DecryptBackupsEncryptRecords',
          ['kms:GenerateDataKey', 'kms:Decrypt'],
          [grantPatterns.databaseObjects(databaseId)],
        ),
      );
  }

  /**
   * What a viewer needs for `pg-backup list` and `status` on every database: list the databases/ prefix (objects
   * and versions: storage classes, sizes and ages), read the bucket's lifecycle and Object Lock settings (expiry,
   * retain-until), read the catalog documents (grantPatterns.catalogDocuments: pointers, manifests, verification and
   * restore records, safety-dump manifests) and decrypt them through S3. Never a dump, the roles or a safety dump: the
   * decrypt is through S3 only, and S3 asks KMS only for objects the caller may GetObject (with Bucket Keys the
   * context is the bucket's ARN, so the GetObject grant is what keeps the data out of reach).
   */
  grantView(grantee: iam.IGrantable): iam.Grant {
    const catalog = grantPatterns.catalogDocuments('*');
    return statement('ListBackupCatalog', {
      grantee,
      actions: ['s3:ListBucket', 's3:ListBucketVersions'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [allDatabasesPrefix(), `${allDatabasesPrefix()}*`] } },
    })
      .combine(this.readRetentionSettings(grantee))
      .combine(
        statement('ReadCatalogDocuments', {
          grantee,
          actions: ['s3:GetObject'],
          resourceArns: catalog.map((k) => this.bucket.arnForObjects(k)),
        }),
      )
      .combine(this.useKeyThroughS3(grantee, 'DecryptCatalogDocumentsThroughS3', ['kms:Decrypt'], catalog));
  }

  /**
   * What a restorer needs for these databases: read (and HeadObject) every object of their backups and safety dumps,
   * list their prefixes (objects and versions) and the bucket's retention settings, start the S3 restore of an
   * archived object, write what a restore writes (safety dumps, restore records) and what verifying an old backup
   * writes (verification records), and the backup key through S3 for those. Deleting stays denied to everyone.
   */
  grantRestore(grantee: iam.IGrantable, databaseIds: readonly string[]): iam.Grant {
    const objects = (patterns: readonly string[]) => patterns.map((k) => this.bucket.arnForObjects(k));
    return statement('ReadBackupsToRestore', {
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: objects(databaseIds.map((id) => grantPatterns.databaseObjects(id))),
    })
      .combine(
        statement('ListBackupsToRestore', {
          grantee,
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resourceArns: [this.bucket.bucketArn],
          conditions: {
            StringLike: { 's3:prefix': databaseIds.flatMap((id) => [grantPatterns.databaseObjects(id), databasePrefix(id)]) },
          },
        }),
      )
      .combine(this.readRetentionSettings(grantee))
      .combine(this.readEncryptionSettings(grantee))
      .combine(
        statement('RestoreArchivedBackups', {
          grantee,
          actions: ['s3:RestoreObject'],
          resourceArns: objects(databaseIds.map((id) => grantPatterns.databaseObjects(id))),
        }),
      )
      .combine(
        statement('WriteSafetyDumpsAndRecords', {
          grantee,
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resourceArns: objects(
            databaseIds.flatMap((id) => [...grantPatterns.restoreWrites(id), ...grantPatterns.verificationRecords(id)]),
          ),
        }),
      )
      .combine(
        this.useKeyThroughS3(
          grantee,
          'UseBackupKeyThroughS3ToRestore',
          ['kms:Decrypt', 'kms:GenerateDataKey'],
          databaseIds.map((id) => grantPatterns.databaseObjects(id)),
        ),
      );
  }

  /**
   * What the freshness check needs: the two pointer documents (latest.json and latest-verification.json) of
   * every database of the bucket, never a dump; a listing of exactly those keys' prefix (so a database without
   * backups is an empty listing, not a 403); decrypt through S3. For any `databases/<id>/`, so the policy does
   * not grow with the databases (two hundred named one by one exceed a role's policy size).
   */
  grantReadAllPointers(grantee: iam.IGrantable): iam.Grant {
    const any = '*';
    return statement('ReadPointerDocuments', {
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(latestPointerKey(any)), this.bucket.arnForObjects(latestVerificationKey(any))],
    })
      .combine(
        statement('ListPointerDocuments', {
          grantee,
          actions: ['s3:ListBucket'],
          resourceArns: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': pointersPrefix(any) } },
        }),
      )
      .combine(this.useKeyThroughS3(grantee, 'DecryptPointerDocuments', ['kms:Decrypt'], [`${pointersPrefix(any)}*`]));
  }

  /** The bucket's lifecycle rules and Object Lock default: what `list` computes expiry and retain-until from. */
  private readRetentionSettings(grantee: iam.IGrantable): iam.Grant {
    return statement('ReadRetentionSettings', {
      grantee,
      actions: ['s3:GetLifecycleConfiguration', 's3:GetBucketObjectLockConfiguration'],
      resourceArns: [this.bucket.bucketArn],
    });
  }

  /** GetBucketEncryption: which key to name in an upload (the bucket policy refuses uploads that name none). */
  private readEncryptionSettings(grantee: iam.IGrantable): iam.Grant {
    return statement('ReadWhichKeyUploadsName', {
      grantee,
      actions: ['s3:GetEncryptionConfiguration'],
      resourceArns: [this.bucket.bucketArn],
    });
  }

  /** s3:ListBucket for this database's prefix only. */
  private listOwnPrefix(grantee: iam.IGrantable, databaseId: string): iam.Grant {
    return statement('ListOwnDatabasePrefix', {
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [grantPatterns.databaseObjects(databaseId), databasePrefix(databaseId)] } },
    });
  }

  /**
   * SSE-KMS through S3 only, for this bucket (S3 Bucket Keys: the context is the bucket ARN) or the objects of
   * `objectPatterns` (without Bucket Keys: the object ARN).
   */
  private useKeyThroughS3(grantee: iam.IGrantable, sid: string, actions: string[], objectPatterns: readonly string[]): iam.Grant {
    return statement(sid, {
      grantee,
      actions,
      resourceArns: [this.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': this.s3Service() },
        StringLike: {
          'kms:EncryptionContext:aws:s3:arn': [this.bucket.bucketArn, ...objectPatterns.map((k) => this.bucket.arnForObjects(k))],
        },
      },
    });
  }

  private s3Service(): string {
    return `s3.${Stack.of(this.bucket).region}.amazonaws.com`;
  }
}

/**
 * The object keys `pg-backup dump` writes: the three objects of each backup and the latest pointer.
 * Nothing else under the prefix: not verification records, not safety dumps (restore's, run by a person).
 */
export function dumpWritePatterns(databaseId: string): string[] {
  return [...backupObjectPatterns(databaseId), latestPointerKey(databaseId)];
}

/** The three objects of each backup (dump, globals, manifest): what carries a retention tier. */
export function backupObjectPatterns(databaseId: string): string[] {
  return [dumpKey(databaseId, '*'), globalsKey(databaseId, '*'), manifestKey(databaseId, '*')];
}

/** rds:DescribeDBInstances on one instance: the CLI finds its endpoint. */
export function grantDescribeRdsInstance(grantee: iam.IGrantable, scope: Stack, rdsInstance: string): iam.Grant {
  return grantDescribeRdsInstances(grantee, scope, [rdsInstance], 'DescribeOwnRdsInstance');
}

/** rds:DescribeDBInstances on these instances only (by ARN: a call must name its instance), in `scope`'s account and region. */
export function grantDescribeRdsInstances(grantee: iam.IGrantable, scope: Stack, rdsInstances: readonly string[], sid: string): iam.Grant {
  return statement(sid, {
    grantee,
    actions: ['rds:DescribeDBInstances'],
    resourceArns: rdsInstances.map((instance) =>
      scope.formatArn({ service: 'rds', resource: 'db', resourceName: instance, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    ),
  });
}

/** Grant.addToPrincipal with a Sid: the access matrix and the policy a reviewer reads name the statement. */
function statement(sid: string, options: iam.GrantOnPrincipalOptions): iam.Grant {
  const grant = iam.Grant.addToPrincipal(options);
  for (const added of grant.principalStatements) added.sid = sid;
  return grant;
}
